#include "core/train/training_memory.h"

#include <limits>

#include "core/runtime/memory.h"

namespace depthscope {

namespace {

constexpr std::int64_t kFloat = 4;

// Saturating a * b for non-negative values (a batch of 2^40 must not wrap around).
std::int64_t mul(std::int64_t a, std::int64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a > std::numeric_limits<std::int64_t>::max() / b) return std::numeric_limits<std::int64_t>::max();
  return a * b;
}

std::int64_t add(std::int64_t a, std::int64_t b) {
  return a > std::numeric_limits<std::int64_t>::max() - b ? std::numeric_limits<std::int64_t>::max() : a + b;
}

std::int64_t per_sequence_bytes(const ModelConfig& c, std::int64_t seq) {
  const std::int64_t d = c.hidden_size, f = c.intermediate_size, H = c.num_heads;
  const std::int64_t per_token_layer = 10 * d + 4 * f + 2 * H * seq;             // floats
  const std::int64_t blocks = mul(mul(seq, c.num_layers), per_token_layer);     // [T, L, ...]
  const std::int64_t head = mul(seq, 3 * c.vocab_size);                         // [T, V] x 3
  return mul(add(blocks, head), kFloat);
}

std::int64_t state_bytes(const ModelConfig& c) { return mul(c.parameter_count(), 4 * kFloat); }

}  // namespace

std::int64_t training_memory_bytes(const ModelConfig& c, std::int64_t batch, std::int64_t seq) {
  return add(state_bytes(c), mul(batch, per_sequence_bytes(c, seq)));
}

std::int64_t largest_training_batch(const ModelConfig& c, std::int64_t seq, std::int64_t budget_bytes) {
  const std::int64_t left = budget_bytes - state_bytes(c), one = per_sequence_bytes(c, seq);
  if (left <= 0 || one <= 0) return 0;
  return left / one;
}

void check_training_memory(const std::string& what, const ModelConfig& c, std::int64_t batch, std::int64_t seq,
                           std::int64_t budget_bytes) {
  const std::int64_t budget = budget_bytes > 0 ? budget_bytes : default_memory_budget_bytes();
  const std::int64_t fits = largest_training_batch(c, seq, budget);
  const std::string hint = fits > 0 ? "a \"batch\" of " + std::to_string(fits) + " sequences of " +
                                          std::to_string(seq) + " tokens fits (use \"accumulate\" for a larger "
                                          "effective batch)"
                                    : "not even one sequence of " + std::to_string(seq) +
                                          " tokens fits: use a smaller model or a shorter \"seq\"";
  check_memory_budget(what, training_memory_bytes(c, batch, seq), budget, hint);
}

}  // namespace depthscope
