#include "core/model/transformer.h"

#include <ATen/ATen.h>

#include <cmath>
#include <tuple>

#include "core/error.h"
#include "core/model/block_rows.h"
#include "core/model/causal_attention.h"
#include "core/model/compute_weights.h"
#include "core/model/quantised_weight.h"
#include "core/model/dyt.h"
#include "core/model/fused_attention.h"
#include "core/model/gpas.h"
#include "core/model/norm_plus_one.h"
#include "core/model/packed_gemm.h"
#include "core/model/resident_weights.h"
#include "core/model/rms_norm_lns.h"
#include "core/model/windowed_attention.h"

namespace depthscope {

namespace {

void record(LayerProbe* probe, std::int64_t layer, ProbeSite site, const at::Tensor& x) {
  if (probe != nullptr && probe->wants(layer, site)) probe->record(layer, site, x);
}

// RMSNorm over the last dimension: x / sqrt(mean(x^2) + eps) * w.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  at::Tensor inv = at::rsqrt(x.pow(2).mean({-1}, /*keepdim=*/true) + eps);
  return x * inv * w;
}

// Rotate-halves RoPE (Hugging Face layout): x * cos + rotate_half(x) * sin.
// x: [B, heads, T, hd]; cos, sin: [T, hd].
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const std::int64_t half = x.size(-1) / 2;
  at::Tensor x1 = x.narrow(-1, 0, half);
  at::Tensor x2 = x.narrow(-1, half, half);
  at::Tensor rotated = at::cat({-x2, x1}, -1);
  return x * cos + rotated * sin;
}

}  // namespace

const char* to_string(ProbeSite s) {
  switch (s) {
    case ProbeSite::resid_pre: return "resid_pre";
    case ProbeSite::attn_in: return "attn_in";
    case ProbeSite::attn_out: return "attn_out";
    case ProbeSite::resid_mid: return "resid_mid";
    case ProbeSite::mlp_in: return "mlp_in";
    case ProbeSite::mlp_out: return "mlp_out";
    case ProbeSite::resid_post: return "resid_post";
  }
  return "unknown";
}

Transformer::Transformer(ModelConfig config, ModelWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  config_.validate();
  check_weights(weights_, config_, "model");
  config_.weight_bytes = resident_weight_bytes(weights_);  // F16/BF16 stay 2 bytes; released pages count per layer
  drop_unused_packed_weights();  // copies of weights freed elsewhere since (not by a Transformer)
}

Transformer::~Transformer() {
  { const ModelWeights gone = std::move(weights_); }  // release the weights first, then their copies
  drop_unused_packed_weights();
}

at::Tensor Transformer::norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const {
  if (config_.norm_kind == NormKind::layer)
    return at::layer_norm(x, {config_.hidden_size}, w, b, config_.norm_eps);
  return rms_norm(x, w, config_.norm_eps);
}

at::Tensor Transformer::embed(const at::Tensor& tokens, std::int64_t pos_offset) const {
  if (tokens.dim() != 2) throw UsageError("embed: tokens must be [batch, seq]");
  const std::int64_t T = tokens.size(1);
  if (pos_offset + T > config_.max_position && config_.positions == PositionKind::learned)
    throw UsageError("sequence of " + std::to_string(pos_offset + T) +
                     " tokens is longer than the model's " +
                     std::to_string(config_.max_position) + " learned positions");
  const auto max_id = tokens.numel() > 0 ? tokens.max().item<std::int64_t>() : 0;
  const auto min_id = tokens.numel() > 0 ? tokens.min().item<std::int64_t>() : 0;
  if (min_id < 0 || max_id >= config_.vocab_size)
    throw UsageError("token id " + std::to_string(min_id < 0 ? min_id : max_id) +
                     " is outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
  // Token ids are made on the CPU; they go to the model's device (a no-op on the CPU).
  const at::Tensor ids = tokens.to(weights_.tok_embeddings.device());
  at::Tensor x = at::embedding(weights_.tok_embeddings, ids).to(at::kFloat);  // [B, T, d]
  if (config_.positions == PositionKind::learned)
    x = x + weights_.pos_embeddings.narrow(0, pos_offset, T).to(at::kFloat);  // + [T, d]
  if (config_.embed_sqrt_scale)  // Gemma: * sqrt(d), the normaliser rounded to float32 as HF casts it
    x = x * static_cast<float>(std::sqrt(static_cast<double>(config_.hidden_size)));
  if (has_embed_scale(config_)) x = x * compute_weight(weights_.embed_scale);                        // DyT: * a [1]
  if (has_embed_norm(config_)) x = rms_norm(x, applied_norm_weight(config_, compute_weight(weights_.embed_norm_w)), config_.norm_eps);  // Peri-LN
  return x;
}

Transformer::RopeTables Transformer::rope_tables(std::int64_t T, std::int64_t pos_offset,
                                                 const at::Tensor& like) const {
  if (config_.positions != PositionKind::rope) return {};
  const std::int64_t hd = config_.resolved_head_dim();
  // inv_freq_i = 1 / theta^(2i/hd), i = 0..hd/2-1; angle = position * inv_freq. Computed in
  // float32 exactly as Hugging Face's LlamaRotaryEmbedding does, so logits match its rounding.
  // factor: linear RoPE scaling (Gemma 3's global layers), inv_freq / factor as HF's linear rope.
  auto tables = [&](double theta, double factor) -> std::pair<at::Tensor, at::Tensor> {
    at::Tensor inv_freq =
        at::pow(theta, at::arange(0, hd, 2, at::kLong).to(at::kFloat) / static_cast<float>(hd)).reciprocal();  // [hd/2]
    if (factor != 1.0) inv_freq = inv_freq / factor;
    at::Tensor pos = at::arange(pos_offset, pos_offset + T, at::kLong).to(at::kFloat);  // [T]
    at::Tensor angles = at::outer(pos, inv_freq);                                       // [T, hd/2]
    at::Tensor emb = at::cat({angles, angles}, -1);                                     // [T, hd]
    return {emb.cos().to(like.scalar_type()).to(like.device()), emb.sin().to(like.scalar_type()).to(like.device())};
  };
  RopeTables r;
  std::tie(r.cos, r.sin) = tables(config_.rope_theta, config_.rope_global_linear);
  if (config_.rope_local_theta > 0) std::tie(r.local_cos, r.local_sin) = tables(config_.rope_local_theta, 1.0);
  return r;
}

at::Tensor Transformer::input_norm(const BlockLayout& b, const at::Tensor& x, const at::Tensor& w,
                                   const at::Tensor& bias, const at::Tensor& alpha) const {
  if (b.dyt) return dyt(x, w, alpha);
  return pre_norm_lns(config_, x, w, bias, b.lns);  // LN(x) * s, fused on CUDA  [B, T, d]
}

at::Tensor Transformer::attention(const LayerWeights& lw, const BlockLayout& b, const at::Tensor& x,
                                  const RopeTables& rope) const {
  const std::int64_t B = x.size(0), T = x.size(1);
  const std::int64_t H = config_.num_heads, KV = config_.num_kv_heads;
  const std::int64_t hd = config_.resolved_head_dim();

  at::Tensor q = linear_f32(x, lw.wq, lw.bq);  // [B, T, H*hd]
  at::Tensor k = linear_f32(x, lw.wk, lw.bk);  // [B, T, KV*hd]
  if (b.qk_norm_full) {  // OLMo 2: RMSNorm over the whole projections, before the head split
    q = rms_norm(q, lw.q_norm_w, config_.norm_eps);  // [B, T, H*hd] * [H*hd]
    k = rms_norm(k, lw.k_norm_w, config_.norm_eps);  // [B, T, KV*hd] * [KV*hd]
  }
  q = q.view({B, T, H, hd}).transpose(1, 2);                                          // [B, H, T, hd]
  k = k.view({B, T, KV, hd}).transpose(1, 2);                                         // [B, KV, T, hd]
  at::Tensor v = linear_f32(x, lw.wv, lw.bv).view({B, T, KV, hd}).transpose(1, 2);  // [B, KV, T, hd]

  if (b.qk_norm) {  // Qwen3, HybridNorm: per-head RMSNorm before RoPE
    q = rms_norm(q, lw.q_norm_w, config_.norm_eps);
    k = rms_norm(k, lw.k_norm_w, config_.norm_eps);
  }
  if (b.v_norm) v = rms_norm(v, lw.v_norm_w, config_.norm_eps);  // HybridNorm
  if (rope.cos.defined()) {
    q = apply_rope(q, rope.cos, rope.sin);
    k = apply_rope(k, rope.cos, rope.sin);
  }
  // softmax(q k^T / sqrt(hd) + causal mask) v; grouped-query heads share their kv head.
  // CUDA tensors under LibTorch >= 2.1: the fused kernel (FlashAttention); elsewhere our own.
  // Gemma's soft-capped or sliding-window layers: the plain composition (windowed_attention.h).
  const double scale = attention_scale(config_);
  at::Tensor out = needs_windowed_attention(config_, b, T)
                       ? windowed_causal_attention(q, k, v, scale, config_.attn_softcap, b.window)
                   : fused_attention_available(q) ? fused_causal_attention(q, k, v, scale)
                                                  : causal_attention(q, k, v, scale);  // [B, T, H, hd]
  return linear_f32(out.reshape({B, T, H * hd}), lw.wo, lw.bo);                           // [B, T, d]
}

at::Tensor Transformer::mlp(const LayerWeights& lw, const at::Tensor& x) const {
  if (config_.gated_mlp) {  // SwiGLU: down(silu(gate x) * up x); GeGLU (Gemma) with tanh GELU
    at::Tensor gate = linear_f32(x, lw.w_gate);  // [B, T, ff]
    gate = config_.activation == Activation::gelu_new ? at::gelu(gate, "tanh") : at::silu(gate);
    return linear_f32(gate * linear_f32(x, lw.w_up, lw.b_up), lw.w_down, lw.b_down);
  }
  at::Tensor hidden = linear_f32(x, lw.w_up, lw.b_up);  // [B, T, ff]
  hidden = config_.activation == Activation::gelu_new ? at::gelu(hidden, "tanh") : at::silu(hidden);
  return linear_f32(hidden, lw.w_down, lw.b_down);  // [B, T, d]
}

at::Tensor Transformer::block(std::int64_t layer, const at::Tensor& x, LayerProbe* probe,
                              std::int64_t pos_offset) const {
  return block(layer, x, probe, rope_tables(x.size(1), pos_offset, x));
}

at::Tensor Transformer::block(std::int64_t layer, const at::Tensor& x, LayerProbe* probe,
                              const RopeTables& tables) const {
  if (layer < 1 || layer > config_.num_layers)
    throw UsageError("layer " + std::to_string(layer) + " is outside 1.." +
                     std::to_string(config_.num_layers));
  // CPU: float32 view of this layer (a copy only for F16/BF16 weights, freed when the block
  // returns); GPU: matrices in their dtype (compute_weights.h).
  // Gemma's (1 + w) norms multiply by w + 1 (norm_plus_one.h).
  // GGUF-quantised matrices on the row path stay quantised here: block_rows dequantises each
  // straight into the packed kernels' panels (quantised_weight.h), not into a float32 matrix.
  const LayerWeights& stored = weights_.layers[static_cast<size_t>(layer - 1)];
  const bool quantised_rows = is_quantised_weight(stored.wq) && packed_gemm_enabled() && use_row_kernels(x);
  const LayerWeights lw = with_applied_norm_weights(
      config_, quantised_rows ? float32_layer_keeping_quantised(stored) : compute_layer(stored));
  const BlockLayout b = block_layout(config_, layer);
  // Gemma 3's sliding layers rotate with their own base.
  const RopeTables rope = b.local_rope ? RopeTables{tables.local_cos, tables.local_sin, {}, {}} : tables;
  record(probe, layer, ProbeSite::resid_pre, x);
  // No gradient wanted (analyses, evaluation): the same math in CPU row chunks (block_rows.h).
  // Tensors on a GPU always take the ATen composition below.
  // Weights stored as float32 are packed once for its GEMMs (packed_gemm.h); widened ones not.
  const at::Tensor& wq = weights_.layers[static_cast<size_t>(layer - 1)].wq;
  const bool resident = wq.scalar_type() == at::kFloat && !is_quantised_weight(wq);  // GGUF blocks: dequantised per use
  if (use_row_kernels(x)) return block_rows(config_, layer, lw, x, probe, rope.cos, rope.sin, resident);

  if (b.post) {
    // Post-LN: h = LN(a x + Attn(x)), y = LN(a h + FFN(h)); a = 1, or (2N)^(1/4) for DeepNorm.
    const double alpha =
        config_.norm_scheme == NormScheme::deepnorm ? deepnorm_alpha(config_) : 1.0;
    record(probe, layer, ProbeSite::attn_in, x);
    at::Tensor a = attention(lw, b, x, rope);
    record(probe, layer, ProbeSite::attn_out, a);
    at::Tensor h = norm(alpha == 1.0 ? x + a : x * alpha + a, lw.attn_norm_w, lw.attn_norm_b);
    if (b.gpas) h = gpas(h, lw.gpas_gate);
    record(probe, layer, ProbeSite::resid_mid, h);
    record(probe, layer, ProbeSite::mlp_in, h);
    at::Tensor m = mlp(lw, h);
    record(probe, layer, ProbeSite::mlp_out, m);
    at::Tensor y = norm(alpha == 1.0 ? h + m : h * alpha + m, lw.mlp_norm_w, lw.mlp_norm_b);
    if (b.gpas) y = gpas(y, lw.gpas_gate);
    record(probe, layer, ProbeSite::resid_post, y);
    return y;
  }

  // Pre-LN family: h = x + F(N(x)), N(x) = LN(x) * s (s = 1/sqrt(l) under LNS, after the norm's
  // weight) or DyT; no input norm under output, hybrid and skipinit.
  at::Tensor attn_in = b.attn_in_norm ? input_norm(b, x, lw.attn_norm_w, lw.attn_norm_b, lw.attn_norm_alpha) : x;  // [B, T, d]
  record(probe, layer, ProbeSite::attn_in, attn_in);
  at::Tensor a = attention(lw, b, attn_in, rope);
  if (b.out_norms) a = norm(a, lw.attn_out_norm_w, lw.attn_out_norm_b);  // sandwich, Peri-LN, output
  if (lw.attn_scale.defined()) a = a * lw.attn_scale;                      // LayerScale [d], SkipInit [1]
  record(probe, layer, ProbeSite::attn_out, a);
  at::Tensor h = x + a;
  if (b.gpas) h = gpas(h, lw.gpas_gate);
  record(probe, layer, ProbeSite::resid_mid, h);

  // HybridNorm: m = LN(h) is the FFN's input and the residual: y = m + FFN(m).
  at::Tensor mlp_in = b.mlp_in_norm     ? input_norm(b, h, lw.mlp_norm_w, lw.mlp_norm_b, lw.mlp_norm_alpha)
                      : b.ffn_from_norm ? norm(h, lw.mlp_norm_w, lw.mlp_norm_b)
                                        : h;  // [B, T, d]
  record(probe, layer, ProbeSite::mlp_in, mlp_in);
  at::Tensor m = mlp(lw, mlp_in);
  if (b.out_norms) m = norm(m, lw.mlp_out_norm_w, lw.mlp_out_norm_b);
  if (lw.mlp_scale.defined()) m = m * lw.mlp_scale;
  record(probe, layer, ProbeSite::mlp_out, m);
  at::Tensor y = (b.ffn_from_norm ? mlp_in : h) + m;
  if (b.gpas) y = gpas(y, lw.gpas_gate);
  record(probe, layer, ProbeSite::resid_post, y);
  return y;
}

at::Tensor Transformer::head(const at::Tensor& x) const {
  // The final norm is never LNS-scaled (paper).
  // Gemma: the norm multiplies by (1 + w), and the logits may be soft-capped.
  const ModelWeights& w = weights_;  // CPU: widened to float32 for this call only when F16/BF16
  const double cap = config_.final_softcap;
  if (use_row_kernels(x)) {
    at::Tensor logits = head_rows(config_, x, applied_norm_weight(config_, float32_weight(w.final_norm_w)),
                                  float32_weight(w.final_norm_b), float32_weight(w.final_norm_alpha),
                                  float32_weight(w.lm_head), w.lm_head.scalar_type() == at::kFloat);  // [B, T, V]
    return cap > 0 ? soft_cap(logits, cap) : logits;
  }
  const at::Tensor norm_w = applied_norm_weight(config_, compute_weight(w.final_norm_w));
  const at::Tensor normed = is_dyt(config_) ? dyt(x, norm_w, compute_weight(w.final_norm_alpha))
                                            : norm(x, norm_w, compute_weight(w.final_norm_b));
  const at::Tensor logits = linear_f32(normed, compute_weight(w.lm_head));  // [B, T, V]
  return cap > 0 ? soft_cap(logits, cap) : logits;
}

at::Tensor Transformer::forward(const at::Tensor& tokens, LayerProbe* probe,
                                const std::set<std::int64_t>& skip) const {
  at::Tensor x = embed(tokens);
  const RopeTables rope = rope_tables(x.size(1), 0, x);
  for (std::int64_t l = 1; l <= config_.num_layers; ++l) {
    if (skip.count(l) != 0) continue;  // bypassed: x_{l+1} = x_l
    x = block(l, x, probe, rope);
  }
  return head(x);
}

}  // namespace depthscope
