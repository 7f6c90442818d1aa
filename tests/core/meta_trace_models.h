#pragma once
// The small model the meta-device traces run (a stand-in for a GPU on the CPU; see
// tests/core/analysis/meta_device_trace_test.cpp for what meta catches in LibTorch 1.13).
#include <c10/core/Device.h>

#include <cstdint>

#include "core/model/config.h"

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

}  // namespace depthscope::test
