#pragma once
// What core's dispatch to DepthScope's CUDA kernels (kernels/) needs from a tensor: whether
// the kernels run on it, their element type for its dtype, its device index, the stream to
// launch on, and the error check. The dispatching functions (core/analysis/row_stats.h
// token_stats, core/model/rms_norm_lns.h) call the kernels only for CUDA tensors, only when
// the kernels were built (DEPTHSCOPE_HAVE_CUDA_KERNELS) and only on a device they have code
// for (probed once per device: core/runtime/kernel_dispatch_gate.h).
#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/element_type.h"
#endif

namespace depthscope {

class KernelDeviceGate;

// True when DepthScope's CUDA kernels were built, `x` lives on a CUDA device and the kernels
// have code for that device (else the caller takes its ATen path; the first such device is
// reported once on stderr).
bool kernels_apply(const at::Tensor& x);

// The process's gate (probe: kernels::kernel_image_error); null when the kernels were not built.
KernelDeviceGate* kernel_device_gate();

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
// f32 / f16 / bf16; nullopt for dtypes the kernels do not read (float64, integers, ...).
std::optional<kernels::ElementType> kernel_element_type(at::ScalarType t);
#endif

// The CUDA device index of a CUDA tensor (0 for a tensor that names none).
int kernel_device_index(const at::Tensor& x);

// PyTorch's current CUDA stream on x's device, as the void* the kernels take (a cudaStream_t),
// so that the kernels are ordered with the ATen ops around them on any stream a caller made
// current. nullptr (the legacy default stream) where LibTorch has no CUDA: no CUDA tensor exists then.
void* kernel_stream(const at::Tensor& x);

// Throws std::runtime_error "<what>: CUDA kernel failed: <error>" unless error is empty.
void check_kernel(const std::string& error, const char* what);

}  // namespace depthscope
