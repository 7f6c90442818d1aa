#include "core/analysis/layer_stats_window.h"

#include <ATen/ATen.h>

#include "core/analysis/fused_formulas.h"
#include "core/model/probe.h"
#include "core/model/transformer.h"

namespace depthscope {

namespace {

// Reduces the block's internal sites as the forward visits them; nothing is kept but sums
// (and the resid_mid token norms until the MLP update arrives).
class StatsProbe : public LayerProbe {
 public:
  StatsProbe(LayerAccumulator& acc, at::Tensor x_in_norm) : acc_(acc), x_in_norm_(std::move(x_in_norm)) {}

  bool wants(std::int64_t, ProbeSite site) const override {
    return site == ProbeSite::attn_in || site == ProbeSite::attn_out || site == ProbeSite::resid_mid ||
           site == ProbeSite::mlp_in || site == ProbeSite::mlp_out;
  }

  void record(std::int64_t, ProbeSite site, const at::Tensor& x) override {
    switch (site) {
      case ProbeSite::attn_in: acc_.attn_in.add(fused::element_moment_sums(x)); break;
      case ProbeSite::mlp_in: acc_.mlp_in.add(fused::element_moment_sums(x)); break;
      case ProbeSite::attn_out: acc_.attn_ratio.add(formulas::update_ratio_of_norms(fused::token_norm(x), x_in_norm_)); break;
      case ProbeSite::resid_mid: mid_norm_ = fused::token_norm(x); break;                        // [B, T]
      case ProbeSite::mlp_out:
        if (mid_norm_.defined()) acc_.mlp_ratio.add(formulas::update_ratio_of_norms(fused::token_norm(x), mid_norm_));
        break;
      default: break;
    }
  }

 private:
  LayerAccumulator& acc_;
  at::Tensor x_in_norm_;  // ||x_l|| per token [B, T]
  at::Tensor mid_norm_;   // ||h|| per token [B, T]
};

}  // namespace

void LayerAccumulator::queue(HostRead& r, bool logit_lens) const {
  for (const DeferredMoments* m : {&input, &output, &attn_in, &mlp_in}) m->queue(r);
  for (const TokenMean* t : {&input_token_var, &output_token_var, &attn_ratio, &mlp_ratio, &cosine}) t->queue(r);
  if (logit_lens) lens_nll.queue(r);
}

LayerStats LayerAccumulator::finish(std::int64_t l, bool logit_lens, HostRead& r) const {
  // Taken back in queue()'s order.
  const formulas::Moments in = input.merged(r), out = output.merged(r);
  const formulas::Moments attn = attn_in.merged(r), mlp = mlp_in.merged(r);
  LayerStats s;
  s.layer = l;
  s.input_variance = in.variance();
  s.output_variance = out.variance();
  s.rms = out.rms();
  s.attn_norm_out_variance = attn.variance();
  s.mlp_norm_out_variance = mlp.variance();
  s.input_token_variance = input_token_var.mean(r);
  s.output_token_variance = output_token_var.mean(r);
  s.attn_update_ratio = attn_ratio.mean(r);
  s.mlp_update_ratio = mlp_ratio.mean(r);
  s.block_influence = formulas::block_influence(cosine.mean(r));
  if (logit_lens) s.logit_lens_loss = lens_nll.mean(r);
  return s;
}

LayerStats LayerAccumulator::finish(std::int64_t l, bool logit_lens) const {
  HostRead r;
  queue(r, logit_lens);
  r.read();
  return finish(l, logit_lens, r);
}

at::Tensor window_through_layer(const Transformer& model, std::int64_t l, const at::Tensor& x_in,
                                formulas::TokenSums& s, const at::Tensor& tokens, bool logit_lens,
                                LayerAccumulator& a) {
  StatsProbe probe(a, formulas::token_norm(s));
  at::Tensor x_out = model.block(l, x_in, &probe);  // x_{l+1}  [1, T, d]
  // Sums of x_{l+1} and cos(x_l, x_{l+1}): one fused kernel pass on CUDA tensors.
  fused::BlockOutputSums out = fused::block_output_sums(x_in, s, x_out);
  a.input.add(formulas::element_moment_sums(s));
  a.output.add(formulas::element_moment_sums(out.sums));
  a.input_token_var.add(formulas::per_token_variance(s));          // [1, T]
  a.output_token_var.add(formulas::per_token_variance(out.sums));  // [1, T]
  a.cosine.add(out.cosine);                                        // [1, T]
  if (logit_lens) {
    const std::int64_t T = x_out.size(1);
    const at::Tensor logits = model.head(x_out.slice(1, 0, T - 1));        // [1, T-1, V]
    a.lens_nll.add(formulas::next_token_nll(logits, tokens, 0, T - 1));    // [1, T-1]
  }
  s = std::move(out.sums);
  return x_out;
}

void window_angular_distance(const at::Tensor& x_k, const at::Tensor& x_out, TokenMean& all, TokenMean& last) {
  const at::Tensor d = fused::angular_distance(x_k, x_out);  // [1, T]
  all.add(d);
  last.add(d.select(1, d.size(1) - 1));                      // [1]
}

}  // namespace depthscope
