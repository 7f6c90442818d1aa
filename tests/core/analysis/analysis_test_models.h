#pragma once
// Small models for the analysis tests.
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "core/model/transformer.h"

namespace depthscope::test {

// A small random Llama-style model (paper init), deterministic.
inline Transformer small_random_model(std::int64_t layers = 4, std::uint64_t seed = 7,
                                      NormScheme scheme = NormScheme::pre) {
  ModelConfig c;
  c.vocab_size = 32;
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_layers = layers;
  c.num_heads = 2;
  c.num_kv_heads = 1;
  c.max_position = 128;
  c.norm_scheme = scheme;
  c.tie_word_embeddings = false;
  c.init_std = 0.2;  // larger than the paper's 0.02 so that layers matter in a tiny model
  return Transformer::random(c, seed);
}

// Deterministic token ids in [0, vocab).
inline std::vector<std::int64_t> test_tokens(std::int64_t n, std::int64_t vocab = 32) {
  std::vector<std::int64_t> t;
  for (std::int64_t i = 0; i < n; ++i) t.push_back((i * 7 + 3 + (i / 5) * 11) % vocab);
  return t;
}

// Zero the output projections of layer l (1-based): the block then adds nothing.
inline void zero_output_projections(Transformer& m, std::int64_t l) {
  LayerWeights& lw = m.mutable_weights().layers[static_cast<std::size_t>(l - 1)];
  lw.wo = at::zeros_like(lw.wo);
  lw.w_down = at::zeros_like(lw.w_down);
}

// Make layer l (1-based) overflow float32: its MLP's up projection x 1e10 and down projection
// x 1e38 push the update past 3.4e38, so x_{l+1} holds Inf (and NaN once normalised).
inline void overflow_layer(Transformer& m, std::int64_t l) {
  LayerWeights& lw = m.mutable_weights().layers[static_cast<std::size_t>(l - 1)];
  lw.w_up = lw.w_up * 1e10;
  lw.w_down = lw.w_down * 1e38;
}

}  // namespace depthscope::test
