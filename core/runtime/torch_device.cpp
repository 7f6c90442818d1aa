#include "core/runtime/torch_device.h"

#include <torch/cuda.h>

namespace depthscope {

at::Device torch_device(const ComputeDevice& d) {
  if (!d.is_cuda()) return at::Device(at::kCPU);
  return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(d.index));
}

void wait_for_device(const at::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.has_index() ? d.index() : -1);
}

}  // namespace depthscope
