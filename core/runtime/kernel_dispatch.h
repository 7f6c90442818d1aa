#pragma once
// What core's dispatch to DepthScope's CUDA kernels (kernels/) needs from a tensor: the
// kernels' element type for its dtype, its device index, and the error check. The dispatching
// functions (core/analysis/row_stats.h token_stats, core/model/rms_norm_lns.h) call these only
// for CUDA tensors and only when the kernels were built (DEPTHSCOPE_HAVE_CUDA_KERNELS).
//
// Kernels run on the legacy default CUDA stream, which is PyTorch's current stream unless the
// caller has made another one current (DepthScope never does).
#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/element_type.h"
#endif

namespace depthscope {

// True when DepthScope's CUDA kernels were built and `x` lives on a CUDA device.
bool kernels_apply(const at::Tensor& x);

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
// f32 / f16 / bf16; nullopt for dtypes the kernels do not read (float64, integers, ...).
std::optional<kernels::ElementType> kernel_element_type(at::ScalarType t);
#endif

// The CUDA device index of a CUDA tensor (0 for a tensor that names none).
int kernel_device_index(const at::Tensor& x);

// Throws std::runtime_error "<what>: CUDA kernel failed: <error>" unless error is empty.
void check_kernel(const std::string& error, const char* what);

}  // namespace depthscope
