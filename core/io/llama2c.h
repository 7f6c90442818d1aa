#pragma once
// llama2.c checkpoints (.bin), versions 0 (legacy) and 1 ("ak42" header).
//
// Version 0: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
// vocab_size < 0 means an untied classifier stored last), then float32 token_embedding,
// rms_att [L, d], wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis_real and
// freq_cis_imag [seq_len, head_size / 2] (skipped), optional wcls.
// Version 1: uint32 magic 0x616b3432, int32 version = 1, the 7 int32, uint8
// shared_classifier, zero padding to 256 bytes; then float32 attention norms, ffn norms,
// final norm, token embedding, wq, wk, wv, wo, w1, w2, w3, classifier if not shared.
//
// llama2.c rotates adjacent pairs for RoPE; DepthScope uses the Hugging Face layout
// (rotate halves). q/k rows are permuted on import and back on export.
#include <ATen/core/Tensor.h>

#include <string>

#include "core/io/checkpoint.h"

namespace depthscope {

constexpr std::uint32_t kLlama2cMagic = 0x616b3432;  // "ak42"

LoadedCheckpoint load_llama2c(const std::string& path, const RunControl& control);

// llama2.c (adjacent pairs) -> HF (halves) row order for a [heads * head_dim, d] weight, and back.
at::Tensor llama2c_to_hf_rows(const at::Tensor& w, std::int64_t heads);
at::Tensor hf_to_llama2c_rows(const at::Tensor& w, std::int64_t heads);

}  // namespace depthscope
