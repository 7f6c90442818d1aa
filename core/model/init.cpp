// Transformer::random — the paper's initialisation for every NormScheme (for the later
// placements, each one's published initialisation: docs/model.md).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "core/model/norm_plus_one.h"
#include "core/model/transformer.h"

namespace depthscope {

Transformer Transformer::random(const ModelConfig& c, std::uint64_t seed) {
  c.validate();
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const std::int64_t d = c.hidden_size, hd = c.resolved_head_dim(), ff = c.intermediate_size;
  const std::int64_t q = c.num_heads * hd, kv = c.num_kv_heads * hd;
  auto normal = [&](std::vector<std::int64_t> shape, double std) {
    return at::empty(shape, at::kFloat).normal_(0.0, std, gen);
  };
  // A norm weight whose factor is 1 (stored as 0 under Gemma's (1 + w) norms: norm_plus_one.h).
  auto ones = [&](std::int64_t n) { return at::full({n}, stored_norm_weight(c, 1.0), at::kFloat); };
  auto zeros = [&](std::int64_t n) { return at::zeros({n}, at::kFloat); };
  const bool layer_norm = c.norm_kind == NormKind::layer;

  // Scaled Init: o_proj and down_proj std 0.02 / sqrt(2L).
  const double out_std = c.norm_scheme == NormScheme::scaled_init
                             ? c.init_std / std::sqrt(2.0 * static_cast<double>(c.num_layers))
                             : c.init_std;
  // DeepNorm (DeepNet, Wang et al. 2022): every block projection is Xavier-normal,
  // std = gain * sqrt(2 / (fan_in + fan_out)), with gain beta = (8N)^(-1/4) on the value,
  // output and FFN projections and gain 1 on q and k. Other schemes: normal(0, std).
  const bool deepnorm = c.norm_scheme == NormScheme::deepnorm;
  const double beta = deepnorm ? deepnorm_beta(c) : 1.0;
  // A weight [out, in]: normal(0, std), or Xavier-normal with `gain` under DeepNorm.
  auto projection = [&](std::int64_t out, std::int64_t in, double std, double gain) {
    if (!deepnorm) return normal({out, in}, std);
    return normal({out, in}, gain * std::sqrt(2.0 / static_cast<double>(in + out)));
  };

  // A scalar [1] holding v (DyT's alpha and embed_scale, SkipInit's a, the GPAS gate).
  auto scalar = [&](double v) { return at::full({1}, v, at::kFloat); };

  ModelWeights w;
  w.tok_embeddings = normal({c.vocab_size, d}, c.init_std);
  if (c.positions == PositionKind::learned) w.pos_embeddings = normal({c.max_position, d}, c.init_std);
  if (has_embed_norm(c)) w.embed_norm_w = ones(d);                                      // Peri-LN
  if (has_embed_scale(c)) w.embed_scale = scalar(std::sqrt(static_cast<double>(d)));  // DyT: sqrt(d)
  for (std::int64_t l = 0; l < c.num_layers; ++l) {
    const BlockLayout b = block_layout(c, l + 1);
    LayerWeights lw;
    // Norm weights 1; lns_gamma: 1/sqrt(l), learned from there (LNS with a learnable gain).
    const double gain = initial_norm_gain(c, l + 1);
    if (b.has_attn_norm()) {
      lw.attn_norm_w = at::full({d}, stored_norm_weight(c, gain), at::kFloat);
      if (layer_norm) lw.attn_norm_b = zeros(d);
      if (b.dyt) lw.attn_norm_alpha = scalar(c.dyt_alpha_attn);
    }
    if (b.has_mlp_norm()) {
      lw.mlp_norm_w = at::full({d}, stored_norm_weight(c, gain), at::kFloat);
      if (layer_norm) lw.mlp_norm_b = zeros(d);
      if (b.dyt) lw.mlp_norm_alpha = scalar(c.dyt_alpha_ffn);
    }
    lw.wq = projection(q, d, c.init_std, 1.0);
    lw.wk = projection(kv, d, c.init_std, 1.0);
    lw.wv = projection(kv, d, c.init_std, beta);
    lw.wo = projection(d, q, out_std, beta);
    if (c.qkv_bias) {
      lw.bq = zeros(q);
      lw.bk = zeros(kv);
      lw.bv = zeros(kv);
    }
    if (c.out_bias) lw.bo = zeros(d);
    if (b.qk_norm) {
      lw.q_norm_w = ones(hd);
      lw.k_norm_w = ones(hd);
    }
    if (b.qk_norm_full) {  // OLMo 2: over the whole projections
      lw.q_norm_w = ones(q);
      lw.k_norm_w = ones(kv);
    }
    if (b.v_norm) lw.v_norm_w = ones(hd);  // HybridNorm
    if (c.gated_mlp) lw.w_gate = projection(ff, d, c.init_std, beta);
    lw.w_up = projection(ff, d, c.init_std, beta);
    lw.w_down = projection(d, ff, out_std, beta);
    if (c.mlp_bias) {
      lw.b_up = zeros(ff);
      lw.b_down = zeros(d);
    }
    if (b.out_norms) {  // sandwich, Peri-LN, output
      lw.attn_out_norm_w = ones(d);
      lw.mlp_out_norm_w = ones(d);
      if (layer_norm) {
        lw.attn_out_norm_b = zeros(d);
        lw.mlp_out_norm_b = zeros(d);
      }
    }
    if (b.layerscale) {
      lw.attn_scale = at::full({d}, layerscale_lambda(c), at::kFloat);
      lw.mlp_scale = at::full({d}, layerscale_lambda(c), at::kFloat);
    }
    if (b.residual_scale) {  // SkipInit: every block starts as the identity
      lw.attn_scale = scalar(0.0);
      lw.mlp_scale = scalar(0.0);
    }
    if (b.gpas) lw.gpas_gate = scalar(0.0);  // GPAS: SiLU(0) = 0, no shrinking at the start
    w.layers.push_back(std::move(lw));
  }
  w.final_norm_w = ones(d);
  if (layer_norm) w.final_norm_b = zeros(d);
  if (is_dyt(c)) w.final_norm_alpha = scalar(c.dyt_alpha_final);
  w.lm_head = c.tie_word_embeddings ? w.tok_embeddings : normal({c.vocab_size, d}, c.init_std);
  return Transformer(c, std::move(w));
}

}  // namespace depthscope
