#pragma once
// A small GGUF writer for tests: a loaded model as llama.cpp's converter would store it
// (tensor names, `<arch>.*` hyperparameters, q/k rows permuted for adjacent-pair RoPE under
// `llama`), matrices as F32 or Q8_0 (quantize_row_q8_0_ref: d = max|x| / 127 stored as
// binary16, q = round(x / d)), norms and biases as F32.
#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "core/io/checkpoint.h"
#include "core/io/llama2c.h"
#include "tests/core/io/gguf_bytes.h"

namespace depthscope::test {

enum class GgufMatrixType { f32, q8_0 };

inline std::string gguf_f32_bytes(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kFloat).contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<std::size_t>(c.numel()) * 4);
}

inline std::string gguf_q8_0_bytes(const at::Tensor& t) {
  const at::Tensor x = t.detach().to(at::kFloat).contiguous().reshape({-1, 32});  // [blocks, 32]
  const float* p = x.data_ptr<float>();
  std::string out;
  for (std::int64_t b = 0; b < x.size(0); ++b, p += 32) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(p[j]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const at::Tensor half = at::full({1}, d, at::kFloat).to(at::kHalf);
    std::uint16_t bits;
    std::memcpy(&bits, half.data_ptr(), 2);
    out.push_back(static_cast<char>(bits & 0xFF));
    out.push_back(static_cast<char>(bits >> 8));
    for (int j = 0; j < 32; ++j) out.push_back(static_cast<char>(static_cast<std::int8_t>(std::roundf(p[j] * id))));
  }
  return out;
}

// Writes `ck` (family llama or qwen2, Pre-LN) as `<path>`; returns the path.
inline std::string write_gguf(const std::string& path, const LoadedCheckpoint& ck, GgufMatrixType matrices) {
  const ModelConfig& c = ck.config;
  const ModelWeights& w = ck.weights;
  const std::string arch = c.family == ModelFamily::qwen2 ? "qwen2" : "llama";
  GgufBuilder g;
  g.kv_string("general.architecture", arch)
      .kv_u32(arch + ".block_count", static_cast<std::uint32_t>(c.num_layers))
      .kv_u32(arch + ".embedding_length", static_cast<std::uint32_t>(c.hidden_size))
      .kv_u32(arch + ".feed_forward_length", static_cast<std::uint32_t>(c.intermediate_size))
      .kv_u32(arch + ".attention.head_count", static_cast<std::uint32_t>(c.num_heads))
      .kv_u32(arch + ".attention.head_count_kv", static_cast<std::uint32_t>(c.num_kv_heads))
      .kv_u32(arch + ".context_length", static_cast<std::uint32_t>(c.max_position))
      .kv_f32(arch + ".rope.freq_base", static_cast<float>(c.rope_theta))
      .kv_f32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(c.norm_eps));
  const auto add = [&](const std::string& name, const at::Tensor& t) {
    if (!t.defined()) return;
    std::vector<std::uint64_t> dims;
    for (std::int64_t d = t.dim() - 1; d >= 0; --d) dims.push_back(static_cast<std::uint64_t>(t.size(d)));
    const bool q8 = matrices == GgufMatrixType::q8_0 && t.dim() == 2 && t.size(1) % 32 == 0;
    g.tensor(name, dims, q8 ? 8u : 0u, q8 ? gguf_q8_0_bytes(t) : gguf_f32_bytes(t));
  };
  const bool permute = arch == "llama";
  add("token_embd.weight", w.tok_embeddings);
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    const LayerWeights& lw = w.layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", lw.attn_norm_w);
    add(p + "attn_q.weight", permute ? hf_to_llama2c_rows(lw.wq.to(at::kFloat), c.num_heads) : lw.wq);
    add(p + "attn_k.weight", permute ? hf_to_llama2c_rows(lw.wk.to(at::kFloat), c.num_kv_heads) : lw.wk);
    add(p + "attn_v.weight", lw.wv);
    add(p + "attn_q.bias", lw.bq);
    add(p + "attn_k.bias", lw.bk);
    add(p + "attn_v.bias", lw.bv);
    add(p + "attn_output.weight", lw.wo);
    add(p + "ffn_norm.weight", lw.mlp_norm_w);
    add(p + "ffn_gate.weight", lw.w_gate);
    add(p + "ffn_up.weight", lw.w_up);
    add(p + "ffn_down.weight", lw.w_down);
  }
  add("output_norm.weight", w.final_norm_w);
  if (!c.tie_word_embeddings) add("output.weight", w.lm_head);
  return g.write(path);
}

}  // namespace depthscope::test
