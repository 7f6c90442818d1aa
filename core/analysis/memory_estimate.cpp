#include "core/analysis/memory_estimate.h"

#include <algorithm>

#include "core/model/packed_gemm.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace {
constexpr std::int64_t kF32 = 4, kF64 = 8;
}

std::int64_t model_weight_bytes(const ModelConfig& c) {
  return c.weight_bytes > 0 ? c.weight_bytes : c.parameter_count() * kF32;
}

std::int64_t widened_weight_bytes(const ModelConfig& c) {
  if (model_weight_bytes(c) >= c.parameter_count() * kF32) return 0;  // already float32
  const std::int64_t d = c.hidden_size, V = c.vocab_size;
  const std::int64_t final_norm = c.norm_kind == NormKind::layer ? 2 * d : d;
  std::int64_t outside = V * d * (c.tie_word_embeddings ? 1 : 2) + final_norm;  // embeddings, head
  if (c.positions == PositionKind::learned) outside += c.max_position * d;
  const std::int64_t per_layer = (c.parameter_count() - outside) / std::max<std::int64_t>(1, c.num_layers);
  // A block widens its layer and the head widens itself, each freed when done into a pool
  // that keeps the buffers for the next use (core/model/widening_pool.h); a sweep may run two
  // configurations at once: two layers and the head.
  return (2 * per_layer + V * d + final_norm) * kF32;
}

std::int64_t packed_weight_copy_bytes(const ModelConfig& c) {
  if (!packed_gemm_enabled() || model_weight_bytes(c) < c.parameter_count() * kF32) return 0;
  const std::int64_t d = c.hidden_size, V = c.vocab_size;
  std::int64_t unpacked = c.tie_word_embeddings ? 0 : V * d;  // the embedding (a tied one is the head)
  if (c.positions == PositionKind::learned) unpacked += c.max_position * d;
  return std::min((c.parameter_count() - unpacked) * kF32, physical_memory_bytes() / 4);
}

std::int64_t window_transient_bytes(const ModelConfig& c, std::int64_t T) {
  const std::int64_t d = c.hidden_size, ff = c.intermediate_size, V = c.vocab_size;
  const std::int64_t H = c.num_heads, KV = c.num_kv_heads, hd = c.resolved_head_dim();
  const std::int64_t residual = 6 * T * d * kF32;                         // x, norm outputs, h, y, updates
  const std::int64_t qkv = T * (H + 2 * KV) * hd * kF32 + 2 * T * H * hd * kF32;  // + repeated K/V
  const std::int64_t scores = 3 * H * T * T * kF32 + T * T;              // scores, masked, softmax + mask
  const std::int64_t attn_out = 2 * T * H * hd * kF32;
  const std::int64_t mlp = 3 * T * ff * kF32;                            // gate, up, product
  const std::int64_t stats = 3 * T * d * kF64;                           // float64 copies for sums/cosine
  const std::int64_t head = T * V * (kF32 + 2 * kF64);                   // logits, log-softmax in float64
  return residual + qkv + scores + attn_out + mlp + stats + head + widened_weight_bytes(c) +
         packed_weight_copy_bytes(c);
}

std::int64_t layer_statistics_memory(const ModelConfig& c, std::int64_t tokens, std::int64_t n_ctx,
                                     bool angular, std::int64_t group_tokens) {
  const std::int64_t d = c.hidden_size, L = c.num_layers;
  const std::int64_t held = std::max<std::int64_t>(1, std::min(tokens, group_tokens));
  // Per held token: its current residual stream and token sums, plus x_1..x_{L+1} for angular.
  const std::int64_t per_token = d * kF32 + 2 * kF64 + (angular ? (L + 1) * d * kF32 : 0);
  const std::int64_t T = std::min(tokens, n_ctx);
  return model_weight_bytes(c) + held * per_token + window_transient_bytes(c, T);
}

std::int64_t layer_removal_memory(const ModelConfig& c, std::int64_t window_tokens, std::int64_t n_ctx,
                                  bool greedy) {
  const std::int64_t d = c.hidden_size, L = c.num_layers;
  const std::int64_t cache = (L + 1) * window_tokens * d * kF32;  // inputs of every layer + output
  // The sweep also holds one configuration's states while it runs; greedy keeps the current
  // cache, a trial cache and the best one.
  const std::int64_t caches = greedy ? 3 * cache : cache + window_tokens * d * kF32;
  return model_weight_bytes(c) + caches + window_transient_bytes(c, n_ctx);
}

}  // namespace depthscope
