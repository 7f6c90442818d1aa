#include "core/analysis/layer_stats.h"
#include "core/analysis/memory_estimate.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/model/transformer.h"
#include "tests/core/analysis/analysis_test_models.h"

namespace depthscope {
namespace {

// ---- A 2-layer model with hand-set weights and its hand computation in doubles ----------
// d = 4, one head, wq = wk = 0 (so causal attention is the plain mean of the values up to
// each position), wv = I, wo = 0.5 I; SwiGLU with w_gate = w_up = I, w_down = 0.25 I.
// Layer 2 has wo = w_down = 0 (an identity block). Tokens 0 1 2 0 in one window.
using Vec = std::vector<double>;
constexpr double kEps = 1e-5;
const std::vector<Vec> kEmbedding = {{1, 2, 3, 4}, {-1, 0.5, 2, -3}, {0.5, -0.5, 1, 0}};
const std::vector<Vec> kHead = {{0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 0.5, -0.5}};
const std::vector<std::int64_t> kTokens = {0, 1, 2, 0};

Vec rms_norm(const Vec& x) {
  double ms = 0;
  for (double v : x) ms += v * v / x.size();
  Vec y;
  for (double v : x) y.push_back(v / std::sqrt(ms + kEps));
  return y;
}
double norm2(const Vec& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return std::sqrt(s);
}
double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double all_variance(const std::vector<Vec>& rows) {
  double n = 0, sum = 0, sq = 0;
  for (const Vec& r : rows)
    for (double v : r) n += 1, sum += v, sq += v * v;
  return sq / n - (sum / n) * (sum / n);
}
double token_variance_mean(const std::vector<Vec>& rows) {
  double t = 0;
  for (const Vec& r : rows) t += all_variance({r});
  return t / rows.size();
}
double angular(const Vec& a, const Vec& b) {
  return std::acos(std::max(-1.0, std::min(1.0, dot(a, b) / (norm2(a) * norm2(b))))) / M_PI;
}

struct HandComputed {
  std::vector<Vec> x1, n1, a, h, m_in, mlp, x2;
  double lens_loss = 0;
};

HandComputed hand_compute() {
  HandComputed r;
  const size_t T = kTokens.size();
  for (size_t t = 0; t < T; ++t) {
    r.x1.push_back(kEmbedding[kTokens[t]]);
    r.n1.push_back(rms_norm(r.x1[t]));
  }
  for (size_t t = 0; t < T; ++t) {
    Vec a(4, 0.0);
    for (size_t s = 0; s <= t; ++s)
      for (int i = 0; i < 4; ++i) a[i] += 0.5 * r.n1[s][i] / static_cast<double>(t + 1);
    Vec h(4), mlp(4), x2(4);
    for (int i = 0; i < 4; ++i) h[i] = r.x1[t][i] + a[i];
    const Vec m_in = rms_norm(h);
    for (int i = 0; i < 4; ++i) {
      const double g = m_in[i] / (1.0 + std::exp(-m_in[i]));  // silu
      mlp[i] = 0.25 * g * m_in[i];
      x2[i] = h[i] + mlp[i];
    }
    r.a.push_back(a), r.h.push_back(h), r.m_in.push_back(m_in), r.mlp.push_back(mlp), r.x2.push_back(x2);
  }
  for (size_t t = 0; t + 1 < T; ++t) {  // logit lens: head(x2) predicts the next token
    const Vec z = rms_norm(r.x2[t]);
    Vec logits;
    double mx = -1e300;
    for (const Vec& w : kHead) logits.push_back(dot(w, z)), mx = std::max(mx, logits.back());
    double se = 0;
    for (double v : logits) se += std::exp(v - mx);
    r.lens_loss += -(logits[kTokens[t + 1]] - mx - std::log(se)) / static_cast<double>(T - 1);
  }
  return r;
}

at::Tensor matrix(const std::vector<Vec>& rows) {
  at::Tensor m = at::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m[i][j] = rows[i][j];
  return m;
}

Transformer hand_set_model() {
  ModelConfig c;
  c.vocab_size = 3;
  c.hidden_size = 4;
  c.intermediate_size = 4;
  c.num_layers = 2;
  c.num_heads = 1;
  c.num_kv_heads = 1;
  c.max_position = 16;
  c.norm_eps = kEps;
  c.tie_word_embeddings = false;
  Transformer m = Transformer::random(c, 1);
  ModelWeights& w = m.mutable_weights();
  const at::Tensor I = at::eye(4);
  w.tok_embeddings = matrix(kEmbedding);
  w.lm_head = matrix(kHead);
  for (int l = 0; l < 2; ++l) {
    LayerWeights& lw = w.layers[l];
    lw.wq = at::zeros({4, 4});
    lw.wk = at::zeros({4, 4});
    lw.wv = I.clone();
    lw.wo = l == 0 ? I * 0.5 : at::zeros({4, 4});
    lw.w_gate = I.clone();
    lw.w_up = I.clone();
    lw.w_down = l == 0 ? I * 0.25 : at::zeros({4, 4});
  }
  return m;
}

void expect_close(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 2e-6 * std::max(1.0, std::abs(want))) << what;
}

TEST(LayerStatistics, TwoLayerHandSetModelMatchesHandComputedValues) {
  const Transformer model = hand_set_model();
  const HandComputed hc = hand_compute();
  LayerStatsOptions o;
  o.n_ctx = 4;
  const LayerStatsResult r = layer_statistics(model, kTokens, o);
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.tokens, 4);
  EXPECT_EQ(r.windows, 1);

  const LayerStats& s1 = r.layers[0];
  EXPECT_EQ(s1.layer, 1);
  expect_close(s1.input_variance, all_variance(hc.x1), "input variance");
  expect_close(s1.input_token_variance, token_variance_mean(hc.x1), "input token variance");
  expect_close(s1.output_variance, all_variance(hc.x2), "output variance");
  expect_close(s1.output_token_variance, token_variance_mean(hc.x2), "output token variance");
  double sq = 0;
  for (const Vec& r2 : hc.x2) sq += dot(r2, r2);
  expect_close(s1.rms, std::sqrt(sq / 16.0), "rms");
  double attn_ratio = 0, mlp_ratio = 0, cos = 0;
  for (size_t t = 0; t < 4; ++t) {
    attn_ratio += norm2(hc.a[t]) / norm2(hc.x1[t]) / 4.0;
    mlp_ratio += norm2(hc.mlp[t]) / norm2(hc.h[t]) / 4.0;
    cos += dot(hc.x1[t], hc.x2[t]) / (norm2(hc.x1[t]) * norm2(hc.x2[t])) / 4.0;
  }
  expect_close(s1.attn_update_ratio, attn_ratio, "attention update ratio");
  expect_close(s1.mlp_update_ratio, mlp_ratio, "MLP update ratio");
  expect_close(s1.attn_norm_out_variance, all_variance(hc.n1), "attn_in variance");
  expect_close(s1.mlp_norm_out_variance, all_variance(hc.m_in), "mlp_in variance");
  expect_close(s1.block_influence, 1.0 - cos, "block influence");
  expect_close(s1.logit_lens_loss, hc.lens_loss, "logit lens loss");

  // Layer 2 adds nothing: output = input, zero updates, zero influence, same lens loss.
  const LayerStats& s2 = r.layers[1];
  EXPECT_EQ(s2.layer, 2);
  expect_close(s2.input_variance, all_variance(hc.x2), "layer 2 input variance");
  EXPECT_DOUBLE_EQ(s2.output_variance, s2.input_variance);
  EXPECT_DOUBLE_EQ(s2.attn_update_ratio, 0.0);
  EXPECT_DOUBLE_EQ(s2.mlp_update_ratio, 0.0);
  EXPECT_NEAR(s2.block_influence, 0.0, 1e-12);
  expect_close(s2.logit_lens_loss, hc.lens_loss, "layer 2 logit lens loss");

  // Angular matrix: row l has L+1-l entries; d(1,2) = d(1,3), d(2,3) = 0.
  double d12 = 0;
  for (size_t t = 0; t < 4; ++t) d12 += angular(hc.x1[t], hc.x2[t]) / 4.0;
  ASSERT_EQ(r.angular.token_mean.size(), 2u);
  ASSERT_EQ(r.angular.token_mean[0].size(), 2u);
  ASSERT_EQ(r.angular.token_mean[1].size(), 1u);
  EXPECT_NEAR(r.angular.token_mean[0][0], d12, 1e-6);
  EXPECT_NEAR(r.angular.token_mean[0][1], d12, 1e-6);
  EXPECT_NEAR(r.angular.token_mean[1][0], 0.0, 1e-7);
  EXPECT_NEAR(r.angular.last_token[0][0], angular(hc.x1[3], hc.x2[3]), 1e-6);
  EXPECT_NEAR(r.angular.last_token[1][0], 0.0, 1e-7);
}

TEST(LayerStatistics, StreamsEachLayerInOrderWithItsAngularColumn) {
  const Transformer model = test::small_random_model(4);
  std::vector<std::int64_t> seen;
  std::vector<size_t> angular_sizes;
  LayerStatsOptions o;
  o.n_ctx = 16;  // 40 tokens: windows of 16, 16 and a tail of 8
  const LayerStatsResult r = layer_statistics(model, test::test_tokens(40), o, RunControl(), [&](const LayerStats& s) {
    seen.push_back(s.layer);
    angular_sizes.push_back(s.angular_to_output_token_mean.size());
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(angular_sizes, (std::vector<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(r.windows, 3);
  EXPECT_EQ(r.tokens, 40);
  // Streamed column entries equal the final matrix: d(k, l+1) at row k-1, column l-k.
  for (const LayerStats& s : r.layers)
    for (std::int64_t k = 1; k <= s.layer; ++k)
      EXPECT_EQ(s.angular_to_output_token_mean[k - 1], r.angular.token_mean[k - 1][s.layer - k]);
  for (const LayerStats& s : r.layers) {
    EXPECT_GT(s.output_variance, 0.0);
    EXPECT_GT(s.attn_update_ratio, 0.0);
    EXPECT_GT(s.logit_lens_loss, 0.0);
  }
  // Deterministic.
  const LayerStatsResult again = layer_statistics(model, test::test_tokens(40), o);
  for (size_t l = 0; l < 4; ++l) EXPECT_EQ(again.layers[l].output_variance, r.layers[l].output_variance);
}

TEST(LayerStatistics, CancelStopsAfterThePrefixAndProgressHasEta) {
  const Transformer model = test::small_random_model(4);
  std::atomic<bool> cancel{false};
  std::vector<Progress> progress;
  RunControl control([&](const Progress& p) { progress.push_back(p); }, &cancel);
  std::vector<std::int64_t> seen;
  LayerStatsOptions o;
  o.n_ctx = 16;
  EXPECT_THROW(layer_statistics(model, test::test_tokens(32), o, control,
                                [&](const LayerStats& s) {
                                  seen.push_back(s.layer);
                                  if (s.layer == 2) cancel = true;
                                }),
               Cancelled);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
  ASSERT_FALSE(progress.empty());
  EXPECT_DOUBLE_EQ(progress.front().total, 8.0);  // 4 layers x 2 windows
  EXPECT_GE(progress.back().eta_s, 0.0);
}

TEST(LayerStatistics, MaxTokensAndBadArguments) {
  const Transformer model = test::small_random_model(2);
  LayerStatsOptions o;
  o.n_ctx = 8;
  o.max_tokens = 20;
  o.angular = false;
  o.logit_lens = false;
  const LayerStatsResult r = layer_statistics(model, test::test_tokens(100), o);
  EXPECT_EQ(r.tokens, 20);
  EXPECT_TRUE(r.angular.token_mean.empty());
  EXPECT_TRUE(std::isnan(r.layers[0].logit_lens_loss));
  EXPECT_THROW(layer_statistics(model, {1}, o), UsageError);
  EXPECT_THROW(layer_statistics(model, {1, 2, 99}, o), UsageError);  // outside the vocabulary
}

// A model whose weights overflow float32 in layer 3: the statistics of layers 1-2 are
// numbers, those of layer 3 on are NaN or Inf -- never 0 or any other made-up number.
TEST(LayerStatistics, AnOverflowingLayerGivesNaNOrInfFromThatLayerOn) {
  Transformer model = test::small_random_model(5);
  test::overflow_layer(model, 3);
  LayerStatsOptions o;
  o.n_ctx = 16;
  const LayerStatsResult r = layer_statistics(model, test::test_tokens(48), o);
  ASSERT_EQ(r.layers.size(), 5u);
  EXPECT_EQ(r.first_non_finite_layer, 3);
  for (const LayerStats& s : r.layers) {
    const bool before = s.layer < 3;
    for (double v : {s.output_variance, s.output_token_variance, s.rms, s.block_influence, s.logit_lens_loss}) {
      if (before) EXPECT_TRUE(std::isfinite(v)) << "layer " << s.layer;
      else EXPECT_FALSE(std::isfinite(v)) << "layer " << s.layer << " reported the number " << v;
    }
    if (s.layer > 3) EXPECT_FALSE(std::isfinite(s.input_variance)) << "layer " << s.layer;
  }
  EXPECT_TRUE(std::isfinite(r.layers[2].input_variance));  // layer 3's input is still fine
  // Angular distances to an overflowed stream are not numbers either.
  EXPECT_TRUE(std::isfinite(r.angular.token_mean[0][0]));   // d(1, 2)
  EXPECT_FALSE(std::isfinite(r.angular.token_mean[0][2]));  // d(1, 4): x_4 overflowed
}

// The angular matrix is summed over window groups, so a budget that forces several groups
// gives the same numbers as one group.
TEST(LayerStatistics, WindowGroupsUnderAMemoryBudgetGiveTheSameStatistics) {
  const Transformer model = test::small_random_model(4);
  const auto tokens = test::test_tokens(96);
  LayerStatsOptions o;
  o.n_ctx = 16;
  const LayerStatsResult whole = layer_statistics(model, tokens, o);
  EXPECT_EQ(whole.groups, 1);
  // A budget just above the model plus two windows' worth.
  const LayerStatsPlan two = [&] {
    LayerStatsOptions p = o;
    for (std::int64_t budget = 1 << 16;; budget += 1 << 12) {
      p.memory_budget_bytes = budget;
      try {
        const LayerStatsPlan plan = plan_layer_statistics(model.config(), 96, p);
        if (plan.group_windows >= 2) return plan;
      } catch (const UsageError&) {
      }
    }
  }();
  o.memory_budget_bytes = two.memory_estimate_bytes;
  const LayerStatsResult grouped = layer_statistics(model, tokens, o);
  EXPECT_EQ(grouped.groups, 3);  // 6 windows, 2 at a time
  EXPECT_LE(grouped.memory_estimate_bytes, o.memory_budget_bytes);
  EXPECT_LT(grouped.memory_estimate_bytes, whole.memory_estimate_bytes);
  for (std::size_t l = 0; l < whole.layers.size(); ++l) {
    EXPECT_NEAR(grouped.layers[l].output_variance, whole.layers[l].output_variance, 1e-9 * whole.layers[l].output_variance);
    EXPECT_NEAR(grouped.layers[l].block_influence, whole.layers[l].block_influence, 1e-12);
    for (std::size_t n = 0; n < whole.angular.token_mean[l].size(); ++n)
      EXPECT_NEAR(grouped.angular.token_mean[l][n], whole.angular.token_mean[l][n], 1e-12);
  }
  // Even one window beyond the budget: refused with the estimate and a --ctx that fits.
  o.memory_budget_bytes = model_weight_bytes(model.config()) + 2000;
  try {
    layer_statistics(model, tokens, o);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("needs about"), std::string::npos) << m;
    EXPECT_NE(m.find("--memory-budget"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace depthscope
