#include "kernels/row_stats.h"

#include <cuda_runtime.h>

#include <cstdio>

namespace depthscope::kernels {

int cuda_device_count() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error (no driver / no device)
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

}  // namespace depthscope::kernels
