#pragma once
// The small model the meta-device traces run (a stand-in for a GPU on the CPU; see
// tests/core/analysis/meta_device_trace_test.cpp for what meta catches in LibTorch 1.13).
#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include <cstdint>

#include "core/model/config.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"

namespace depthscope::test {

inline const c10::Device kMeta(c10::kMeta);

// Llama-style under LNS (RMSNorm, RoPE, SwiGLU), untied; every kv head its own, since
// LibTorch 1.13 has no meta repeat_interleave.
inline ModelConfig meta_trace_config(std::int64_t layers) {
  ModelConfig c;
  c.vocab_size = 61;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_layers = layers;
  c.num_heads = 4;
  c.num_kv_heads = 4;
  c.max_position = 64;
  c.norm_scheme = NormScheme::lns;
  c.tie_word_embeddings = false;
  return c;
}

// The model on the meta device as --device cuda loads a BF16 checkpoint: matrices BF16,
// vectors float32.
inline Transformer meta_bf16_model(const ModelConfig& c) {
  ModelWeights w = Transformer::random(c, 11).weights();
  for (LayerWeights& lw : w.layers)
    for (at::Tensor* m : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down}) *m = m->to(at::kBFloat16);
  w.lm_head = w.lm_head.to(at::kBFloat16);
  return Transformer(c, weights_on(w, kMeta));
}

}  // namespace depthscope::test
