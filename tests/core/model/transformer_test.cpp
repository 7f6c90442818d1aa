#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/analysis/formulas.h"
#include "core/analysis/residual_stats_probe.h"
#include "core/analysis/variance_at_init.h"
#include "core/model/transformer.h"

namespace depthscope {
namespace {

ModelConfig small_config(NormScheme scheme) {
  ModelConfig c;
  c.vocab_size = 97;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_layers = 4;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 64;
  c.norm_scheme = scheme;
  return c;
}

at::Tensor some_tokens(std::int64_t vocab, std::int64_t T = 12) {
  return at::arange(0, T, at::kLong).mul(7).remainder(vocab).view({1, T});  // [1, T]
}

// Keeps a copy of every tensor the forward hands over.
class RecordingProbe : public LayerProbe {
 public:
  bool wants(std::int64_t, ProbeSite) const override { return true; }
  void record(std::int64_t layer, ProbeSite site, const at::Tensor& x) override {
    seen[{layer, site}] = x.clone();
  }
  std::map<std::pair<std::int64_t, ProbeSite>, at::Tensor> seen;
};

at::Tensor reference_rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  return x / at::sqrt(x.pow(2).mean({-1}, true) + eps) * w;
}

TEST(Transformer, LnsScalesBothPreNormOutputsByInverseSqrtLayer) {
  ModelConfig c = small_config(NormScheme::lns);
  Transformer model = Transformer::random(c, 3);
  // Non-trivial norm weights so "after the norm's weight" is checked too.
  for (auto& lw : model.mutable_weights().layers) {
    lw.attn_norm_w.uniform_(0.5, 1.5);
    lw.mlp_norm_w.uniform_(0.5, 1.5);
  }
  RecordingProbe probe;
  model.forward(some_tokens(c.vocab_size), &probe);
  for (std::int64_t l = 1; l <= c.num_layers; ++l) {
    const LayerWeights& lw = model.weights().layers[l - 1];
    const double s = 1.0 / std::sqrt(static_cast<double>(l));
    at::Tensor x = probe.seen.at({l, ProbeSite::resid_pre});
    at::Tensor h = probe.seen.at({l, ProbeSite::resid_mid});
    EXPECT_TRUE(at::allclose(probe.seen.at({l, ProbeSite::attn_in}),
                             reference_rms_norm(x, lw.attn_norm_w, c.norm_eps) * s, 1e-5, 1e-6))
        << "attention pre-norm output of layer " << l;
    EXPECT_TRUE(at::allclose(probe.seen.at({l, ProbeSite::mlp_in}),
                             reference_rms_norm(h, lw.mlp_norm_w, c.norm_eps) * s, 1e-5, 1e-6))
        << "MLP pre-norm output of layer " << l;
    // The residual path itself is not scaled: h = x + attn_out, y = h + mlp_out.
    EXPECT_TRUE(at::allclose(h, x + probe.seen.at({l, ProbeSite::attn_out}), 1e-5, 1e-6));
    EXPECT_TRUE(at::allclose(probe.seen.at({l, ProbeSite::resid_post}),
                             h + probe.seen.at({l, ProbeSite::mlp_out}), 1e-5, 1e-6));
  }
}

TEST(Transformer, LnsLayerOneAndFinalNormAreUnscaled) {
  ModelConfig c = small_config(NormScheme::lns);
  Transformer lns = Transformer::random(c, 5);
  c.norm_scheme = NormScheme::pre;
  Transformer pre(c, lns.weights());  // same weights, Pre-LN
  RecordingProbe p_lns, p_pre;
  at::Tensor tokens = some_tokens(c.vocab_size);
  lns.forward(tokens, &p_lns);
  pre.forward(tokens, &p_pre);
  // Layer 1: 1/sqrt(1) = 1, so both schemes agree exactly there.
  EXPECT_TRUE(at::equal(p_lns.seen.at({1, ProbeSite::resid_post}), p_pre.seen.at({1, ProbeSite::resid_post})));
  // Layer 2 differs (factor 1/sqrt 2).
  EXPECT_FALSE(at::allclose(p_lns.seen.at({2, ProbeSite::attn_in}), p_pre.seen.at({2, ProbeSite::attn_in})));
  // The head applies the final RMSNorm without any LNS factor.
  at::Tensor x = at::randn({1, 3, c.hidden_size});
  at::Tensor expected = at::linear(reference_rms_norm(x, lns.weights().final_norm_w, c.norm_eps),
                                   lns.weights().lm_head);
  EXPECT_TRUE(at::allclose(lns.head(x), expected, 1e-5, 1e-6));
}

// Wants one site only and counts what the forward asks and hands over.
class SelectiveProbe : public LayerProbe {
 public:
  SelectiveProbe(std::int64_t layer, ProbeSite site) : layer_(layer), site_(site) {}
  bool wants(std::int64_t layer, ProbeSite site) const override {
    ++asked;
    return layer == layer_ && site == site_;
  }
  void record(std::int64_t layer, ProbeSite site, const at::Tensor& x) override {
    ++recorded;
    if (layer != layer_ || site != site_) ++unwanted;
    kept = x.clone();
  }
  mutable std::int64_t asked = 0;
  std::int64_t recorded = 0, unwanted = 0;
  at::Tensor kept;

 private:
  std::int64_t layer_;
  ProbeSite site_;
};

TEST(Transformer, ProbesReceiveOnlyTheSitesTheyWantAndLeaveLogitsUnchanged) {
  ModelConfig c = small_config(NormScheme::pre);
  Transformer model = Transformer::random(c, 11);
  at::Tensor tokens = some_tokens(c.vocab_size);
  const at::Tensor plain = model.forward(tokens);
  SelectiveProbe probe(2, ProbeSite::resid_post);
  const at::Tensor probed = model.forward(tokens, &probe);
  EXPECT_TRUE(at::equal(plain, probed)) << "a probe changed the logits";
  EXPECT_EQ(probe.asked, kProbeSiteCount * c.num_layers) << "every site is offered exactly once";
  EXPECT_EQ(probe.recorded, 1) << "a site the probe did not want was handed over";
  EXPECT_EQ(probe.unwanted, 0);
  ASSERT_TRUE(probe.kept.defined());
  // What it got is x_3, the output of block 2.
  const at::Tensor x3 = model.block(2, model.block(1, model.embed(tokens)));
  EXPECT_TRUE(at::equal(probe.kept, x3));
  // And the statistics a probe computes are those of that tensor.
  ResidualStatsProbe stats(c.num_layers);
  model.forward(tokens, &stats);
  EXPECT_DOUBLE_EQ(stats.stats()[1].output_variance, formulas::element_moments(x3).variance());
  EXPECT_DOUBLE_EQ(stats.stats()[1].output_rms, formulas::element_moments(x3).rms());
}

TEST(Transformer, PreLnVarianceGrowsFasterThanLnsAtInit) {
  VarianceAtInitRequest r;
  r.layers = 24;
  r.width = 64;
  r.seq_len = 32;
  r.batch = 2;
  r.scheme = NormScheme::pre;
  const auto pre = variance_at_init(r);
  r.scheme = NormScheme::lns;
  const auto lns = variance_at_init(r);
  ASSERT_EQ(pre.size(), 24u);
  ASSERT_EQ(lns.size(), 24u);
  const double pre_growth = pre.back().output_variance / pre.front().output_variance;
  const double lns_growth = lns.back().output_variance / lns.front().output_variance;
  EXPECT_GT(pre_growth, 1.5 * lns_growth) << "pre " << pre_growth << " lns " << lns_growth;
  EXPECT_GT(pre.back().output_variance, lns.back().output_variance);
  // Same seed, same first layer: LNS and Pre-LN agree where 1/sqrt(1) = 1.
  EXPECT_DOUBLE_EQ(pre.front().output_variance, lns.front().output_variance);
  // Variance is monotone non-decreasing in expectation; check the ends of the Pre-LN curve.
  EXPECT_GT(pre.back().output_variance, pre[pre.size() / 2].output_variance);
}

TEST(Transformer, IsCausal) {
  ModelConfig c = small_config(NormScheme::pre);
  Transformer model = Transformer::random(c, 1);
  at::Tensor a = some_tokens(c.vocab_size, 10);
  at::Tensor b = a.clone();
  b.index_put_({0, 9}, 42);
  at::Tensor la = model.forward(a), lb = model.forward(b);
  EXPECT_TRUE(at::allclose(la.narrow(1, 0, 9), lb.narrow(1, 0, 9), 1e-5, 1e-6));
  EXPECT_FALSE(at::allclose(la.narrow(1, 9, 1), lb.narrow(1, 9, 1)));
}

TEST(Transformer, EverySchemeRunsAndIsDeterministic) {
  for (NormScheme s : all_norm_schemes()) {
    ModelConfig c = small_config(s);
    at::Tensor l1 = Transformer::random(c, 9).forward(some_tokens(c.vocab_size));
    at::Tensor l2 = Transformer::random(c, 9).forward(some_tokens(c.vocab_size));
    EXPECT_TRUE(at::equal(l1, l2)) << to_string(s);
    EXPECT_TRUE(at::isfinite(l1).all().item<bool>()) << to_string(s);
    EXPECT_EQ(l1.sizes(), (std::vector<std::int64_t>{1, 12, c.vocab_size})) << to_string(s);
  }
}

TEST(Transformer, SkippingALayerEqualsComposingTheRest) {
  ModelConfig c = small_config(NormScheme::pre);
  Transformer model = Transformer::random(c, 4);
  at::Tensor tokens = some_tokens(c.vocab_size);
  at::Tensor x = model.embed(tokens);
  for (std::int64_t l : {1, 2, 4}) x = model.block(l, x);
  EXPECT_TRUE(at::equal(model.head(x), model.forward(tokens, nullptr, {3})));
}

TEST(Transformer, RejectsOutOfVocabularyTokensWithAClearError) {
  ModelConfig c = small_config(NormScheme::pre);
  Transformer model = Transformer::random(c, 4);
  try {
    model.forward(at::full({1, 2}, c.vocab_size, at::kLong));
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("outside the vocabulary"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace depthscope
