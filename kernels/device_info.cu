#include "kernels/device_info.h"

#include <cuda_runtime.h>

#include <cstdio>

#include "kernels/device_common.cuh"

namespace depthscope::kernels {

namespace {
// Built like every other kernel here; only its attributes are asked for.
__global__ void kernel_image_probe() {}
}  // namespace

int cuda_device_count() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the error (no driver / no device)
    return 0;
  }
  return count;
}

std::string cuda_device_description(int index) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    cudaGetLastError();
    return "unknown CUDA device";
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s (%.0f GiB, sm_%d%d)", prop.name,
                static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), prop.major,
                prop.minor);
  return buf;
}

std::string kernel_image_error(int index) {
  detail::DeviceScope scope(index);
  if (!scope.error().empty()) return scope.error();
  cudaFuncAttributes attributes{};
  const cudaError_t err = cudaFuncGetAttributes(&attributes, kernel_image_probe);
  if (err == cudaSuccess) return "";
  cudaGetLastError();  // not sticky: clear it so that PyTorch's next check does not see it
  return std::string(cudaGetErrorString(err)) + " (" + cuda_device_description(index) + ")";
}

}  // namespace depthscope::kernels
