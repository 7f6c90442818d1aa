#pragma once
// One decoder-only Transformer for every supported family and NormScheme, built from a
// ModelConfig and a ModelWeights. Functional ATen forward, float32 compute.
//
// The forward is exposed in pieces so analyses can reuse cached hidden states:
//   x = embed(tokens); for l in 1..L: x = block(l, x); logits = head(x)
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <set>

#include "core/model/config.h"
#include "core/model/probe.h"
#include "core/model/weights.h"

namespace depthscope {

class Transformer {
 public:
  Transformer(ModelConfig config, ModelWeights weights);
  // Frees the packed copies of this model's weights (packed_gemm.h) once it held the last
  // reference to them: closing a model releases them then, not at the next packing.
  ~Transformer();
  Transformer(const Transformer&) = default;
  Transformer(Transformer&&) = default;
  Transformer& operator=(const Transformer&) = default;
  Transformer& operator=(Transformer&&) = default;

  // A freshly initialised model as in the paper: linear and embedding weights
  // normal(0, init_std), norms 1 / biases 0, scheme-specific init (scaled_init, deepnorm
  // beta, layerscale lambda). Deterministic for a given seed.
  static Transformer random(const ModelConfig& config, std::uint64_t seed);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  ModelWeights& mutable_weights() { return weights_; }
  std::int64_t num_layers() const { return config_.num_layers; }
  // Where the weights live (core/model/model_placement.h); the forward runs there.
  at::Device device() const { return weights_.tok_embeddings.device(); }

  // tokens [B, T] int64 -> logits [B, T, V]. Layers in `skip` (1-based) are bypassed
  // (x_{l+1} = x_l) without copying weights.
  at::Tensor forward(const at::Tensor& tokens, LayerProbe* probe = nullptr,
                     const std::set<std::int64_t>& skip = {}) const;

  // tokens [B, T] -> residual stream x_1 [B, T, d]; positions start at pos_offset.
  at::Tensor embed(const at::Tensor& tokens, std::int64_t pos_offset = 0) const;
  // x_l [B, T, d] -> x_{l+1} [B, T, d] for layer l in 1..L.
  at::Tensor block(std::int64_t layer, const at::Tensor& x, LayerProbe* probe = nullptr,
                   std::int64_t pos_offset = 0) const;
  // Final norm (never LNS-scaled; DyT under dyt) then the LM head: [B, T, d] -> [B, T, V].
  at::Tensor head(const at::Tensor& x) const;

 private:
  // RoPE cos/sin [T, hd] for positions pos_offset.. (undefined without RoPE); built once per
  // forward and shared by every layer. local_*: with rope_local_theta, for the sliding layers
  // of Gemma 3 (undefined when the config has no local base).
  struct RopeTables {
    at::Tensor cos, sin;
    at::Tensor local_cos, local_sin;
  };
  RopeTables rope_tables(std::int64_t T, std::int64_t pos_offset, const at::Tensor& like) const;
  at::Tensor block(std::int64_t layer, const at::Tensor& x, LayerProbe* probe, const RopeTables& rope) const;
  at::Tensor norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const;
  // The input norm of a Pre-LN-family sublayer: LN(x) * s (LNS), or DyT under dyt.
  at::Tensor input_norm(const BlockLayout& b, const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias,
                        const at::Tensor& alpha) const;
  at::Tensor attention(const LayerWeights& lw, const BlockLayout& b, const at::Tensor& x, const RopeTables& rope) const;
  at::Tensor mlp(const LayerWeights& lw, const at::Tensor& x) const;

  ModelConfig config_;
  ModelWeights weights_;
};

}  // namespace depthscope
