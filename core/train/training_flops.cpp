#include "core/train/training_flops.h"

#include <vector>

namespace depthscope {

std::int64_t matmul_parameter_count(const ModelConfig& c) {
  std::int64_t n = c.parameter_count();
  if (!c.tie_word_embeddings) n -= c.vocab_size * c.hidden_size;                // looked-up embedding
  if (c.positions == PositionKind::learned) n -= c.max_position * c.hidden_size;  // looked-up positions
  return n;
}

double training_flops_per_token(const ModelConfig& c, std::int64_t seq) {
  const double attention = 12.0 * static_cast<double>(c.num_layers) * static_cast<double>(c.num_heads) *
                           static_cast<double>(c.resolved_head_dim()) * static_cast<double>(seq);
  return 6.0 * static_cast<double>(matmul_parameter_count(c)) + attention;
}

std::optional<PeakFlops> peak_bf16_flops(const std::string& name) {
  struct Row {
    std::vector<const char*> all;  // every one of these in the name
    const char* device;
    double tflops;
  };
  // NVIDIA datasheets, "BF16 Tensor Core" dense (the datasheets print twice this "with sparsity").
  // More specific rows first: "H100 PCIe" before "H100", "L40S" before "L40" before "L4".
  static const std::vector<Row> table = {
      {{"H200"}, "NVIDIA H200", 989.0},                 // H200 datasheet: 1,979 with sparsity
      {{"H100", "PCIe"}, "NVIDIA H100 PCIe", 756.0},    // H100 datasheet: 1,513 with sparsity
      {{"H100"}, "NVIDIA H100 SXM", 989.0},             // H100 datasheet: 1,979 with sparsity
      {{"A100"}, "NVIDIA A100", 312.0},                 // A100 datasheet: 312 (624 with sparsity)
      {{"L40S"}, "NVIDIA L40S", 362.0},                 // L40S datasheet: 362.05 (733 with sparsity)
      {{"L40"}, "NVIDIA L40", 181.0},                   // L40 datasheet: 181.05 (362.1 with sparsity)
      {{"L4"}, "NVIDIA L4", 121.0},                     // L4 datasheet: 242 with sparsity
  };
  for (const Row& r : table) {
    bool match = true;
    for (const char* part : r.all) match = match && name.find(part) != std::string::npos;
    if (match)
      return PeakFlops{r.tflops * 1e12, r.device, std::string(r.device) + " datasheet, dense BF16 tensor core"};
  }
  return std::nullopt;
}

double model_flops_utilization(double tokens_per_s, double flops_per_token, double peak_flops_per_s) {
  return peak_flops_per_s > 0 ? tokens_per_s * flops_per_token / peak_flops_per_s : 0.0;
}

}  // namespace depthscope
