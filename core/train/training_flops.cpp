#include "core/train/training_flops.h"

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

double model_flops_utilization(double tokens_per_s, double flops_per_token, double peak_flops_per_s) {
  return peak_flops_per_s > 0 ? tokens_per_s * flops_per_token / peak_flops_per_s : 0.0;
}

}  // namespace depthscope
