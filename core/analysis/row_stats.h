#pragma once
// Per-row mean and population variance of a [rows, d] activation: the CPU reference and the
// dispatch to DepthScope's CUDA kernel (kernels/row_stats.cu) for float32 CUDA tensors.
#include <ATen/core/Tensor.h>

#include <utility>

namespace depthscope {

// x: [rows, d] -> (mean [rows], variance [rows]); variance divides by d.
std::pair<at::Tensor, at::Tensor> row_mean_var(const at::Tensor& x);
// Always the ATen path (the reference the kernel is checked against).
std::pair<at::Tensor, at::Tensor> row_mean_var_reference(const at::Tensor& x);

}  // namespace depthscope
