#pragma once
// What compute devices this process can use: LibTorch's CUDA support and DepthScope's own
// CUDA kernels (kernels/), which are optional at build time and at run time.
#include <string>
#include <vector>

namespace depthscope {

struct DeviceReport {
  bool kernels_built = false;   // DepthScope's CUDA kernels compiled in
  bool torch_cuda = false;      // LibTorch reports CUDA available
  bool cuda_available = false;  // at least one usable GPU
  std::vector<std::string> devices;
  // "none", "2 x NVIDIA H100 (79 GiB)", "kernels built, no GPU present", ...
  std::string summary() const;
};

DeviceReport device_report();

}  // namespace depthscope
