#pragma once
// A GPU's peak throughputs by its CUDA device name, from NVIDIA's datasheets: what the
// benchmarks measure against (model FLOPs utilisation, % of memory bandwidth). Torch-free.
// A device not in the table gives nullopt: then no percentage is printed (the bench commands
// take the peak as an option instead).
#include <optional>
#include <string>

namespace depthscope {

struct DevicePeak {
  double value = 0;    // FLOP/s or bytes/s
  std::string device;  // the table row that matched ("NVIDIA H100 SXM")
  std::string source;  // where the number comes from
};

// Dense bf16 tensor-core FLOP/s (without sparsity), for "NVIDIA H100 80GB HBM3", "NVIDIA
// A100-SXM4-80GB (79 GiB, sm_80)", ...
std::optional<DevicePeak> peak_bf16_flops(const std::string& device_name);

// Memory bandwidth in bytes/s.
std::optional<DevicePeak> peak_memory_bandwidth(const std::string& device_name);

}  // namespace depthscope
