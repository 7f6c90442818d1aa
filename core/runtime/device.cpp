#include "core/runtime/device.h"

#include <ATen/Context.h>

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/device_info.h"
#endif

namespace depthscope {

DeviceReport device_report() {
  DeviceReport r;
  r.torch_cuda = at::hasCUDA();
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  r.kernels_built = true;
  const int n = kernels::cuda_device_count();
  for (int i = 0; i < n; ++i) r.devices.push_back(kernels::cuda_device_description(i));
#endif
  r.cuda_available = !r.devices.empty() || r.torch_cuda;
  return r;
}

std::string DeviceReport::summary() const {
  if (!devices.empty())
    return std::to_string(devices.size()) + " x " + devices.front() +
           (torch_cuda ? "" : " (LibTorch is CPU-only; DepthScope kernels only)");
  if (torch_cuda) return "available (LibTorch)";
  return kernels_built ? "none (kernels built, no GPU present)" : "none";
}

}  // namespace depthscope
