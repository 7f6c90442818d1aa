#include "core/runtime/kernel_dispatch.h"

#include <stdexcept>

namespace depthscope {

bool kernels_apply(const at::Tensor& x) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  return x.defined() && x.is_cuda();
#else
  (void)x;
  return false;
#endif
}

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
std::optional<kernels::ElementType> kernel_element_type(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return kernels::ElementType::f32;
    case at::kHalf: return kernels::ElementType::f16;
    case at::kBFloat16: return kernels::ElementType::bf16;
    default: return std::nullopt;
  }
}
#endif

int kernel_device_index(const at::Tensor& x) { return x.device().has_index() ? x.device().index() : 0; }

void check_kernel(const std::string& error, const char* what) {
  if (!error.empty()) throw std::runtime_error(std::string(what) + ": CUDA kernel failed: " + error);
}

}  // namespace depthscope
