#pragma once
// Per-row mean and variance of a [rows, d] float32 activation on the GPU.
// Plain functions over raw pointers: no torch and no CUDA headers here, so core and
// tests can include this without nvcc. The CPU reference is core's row_mean_var
// (core/analysis/row_stats.h); GPU results must match it within tolerance.
#include <cstdint>
#include <string>

namespace depthscope::kernels {

// Number of usable CUDA devices. 0 when there is no GPU or no driver
// (cudaErrorNoDevice / cudaErrorInsufficientDriver are treated as "no GPU").
int cuda_device_count();

// Human-readable name and memory of device `index`, e.g. "NVIDIA H100 (79 GiB)".
std::string cuda_device_description(int index);

// x: device pointer [rows, d] on the current device; mean, var: device pointers [rows].
// The mean and variance outputs of the fused token-statistics kernel (token_stats.h).
// Variance is the population variance over d (divide by d), as in paper.md.
// `stream` is a cudaStream_t passed as void* (nullptr = default stream).
// Returns an empty string on success, else the CUDA error text.
std::string row_mean_var_device(const float* x, std::int64_t rows, std::int64_t d,
                                float* mean, float* var, void* stream);

// Host convenience: copies x to the device, runs the kernel, copies results back.
std::string row_mean_var_host(const float* x, std::int64_t rows, std::int64_t d,
                              float* mean, float* var);

}  // namespace depthscope::kernels
