#include "core/runtime/kernel_dispatch.h"

#include <cstdio>
#include <stdexcept>

#include "core/runtime/kernel_dispatch_gate.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/device_info.h"
#endif
#ifdef DEPTHSCOPE_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace depthscope {

KernelDeviceGate* kernel_device_gate() {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  static KernelDeviceGate gate(kernels::kernel_image_error,
                               [](const std::string& line) { std::fprintf(stderr, "depthscope: %s\n", line.c_str()); });
  return &gate;
#else
  return nullptr;
#endif
}

bool kernels_apply(const at::Tensor& x) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  return x.defined() && x.is_cuda() && kernel_device_gate()->runs_on(kernel_device_index(x));
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

void* kernel_stream(const at::Tensor& x) {
#ifdef DEPTHSCOPE_TORCH_CUDA
  return c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(kernel_device_index(x))).stream();
#else
  (void)x;
  return nullptr;
#endif
}

void check_kernel(const std::string& error, const char* what) {
  if (!error.empty()) throw std::runtime_error(std::string(what) + ": CUDA kernel failed: " + error);
}

}  // namespace depthscope
