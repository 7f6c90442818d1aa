#include "core/runtime/device_peaks.h"

#include <vector>

namespace depthscope {

namespace {

struct Row {
  std::vector<const char*> all;  // every one of these in the device name
  const char* device;
  double value;
};

std::optional<DevicePeak> lookup(const std::vector<Row>& table, const std::string& name, const char* what) {
  for (const Row& r : table) {
    bool match = true;
    for (const char* part : r.all) match = match && name.find(part) != std::string::npos;
    if (match) return DevicePeak{r.value, r.device, std::string(r.device) + " datasheet, " + what};
  }
  return std::nullopt;
}

}  // namespace

std::optional<DevicePeak> peak_bf16_flops(const std::string& name) {
  // "BF16 Tensor Core" dense (the datasheets print twice this "with sparsity"). More specific
  // rows first: "H100 PCIe" before "H100", "L40S" before "L40" before "L4".
  static const std::vector<Row> table = {
      {{"H200"}, "NVIDIA H200", 989e12},               // 1,979 TFLOPS with sparsity
      {{"H100", "PCIe"}, "NVIDIA H100 PCIe", 756e12},  // 1,513 with sparsity
      {{"H100"}, "NVIDIA H100 SXM", 989e12},           // 1,979 with sparsity
      {{"A100"}, "NVIDIA A100", 312e12},               // 624 with sparsity
      {{"L40S"}, "NVIDIA L40S", 362e12},               // 362.05 (733 with sparsity)
      {{"L40"}, "NVIDIA L40", 181e12},                 // 181.05 (362.1 with sparsity)
      {{"L4"}, "NVIDIA L4", 121e12},                   // 242 with sparsity
  };
  return lookup(table, name, "dense BF16 tensor core");
}

std::optional<DevicePeak> peak_memory_bandwidth(const std::string& name) {
  static const std::vector<Row> table = {
      {{"H200"}, "NVIDIA H200", 4.8e12},                       // HBM3e 4.8 TB/s
      {{"H100", "PCIe"}, "NVIDIA H100 PCIe", 2.0e12},          // HBM2e 2 TB/s
      {{"H100"}, "NVIDIA H100 SXM", 3.35e12},                  // HBM3 3.35 TB/s
      {{"A100", "80GB", "PCI"}, "NVIDIA A100 80GB PCIe", 1.935e12},
      {{"A100", "80GB"}, "NVIDIA A100 80GB SXM", 2.039e12},
      {{"A100"}, "NVIDIA A100 40GB", 1.555e12},
      {{"L40S"}, "NVIDIA L40S", 864e9},
      {{"L40"}, "NVIDIA L40", 864e9},
      {{"L4"}, "NVIDIA L4", 300e9},
  };
  return lookup(table, name, "memory bandwidth");
}

}  // namespace depthscope
