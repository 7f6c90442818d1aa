#include "core/analysis/formulas.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"

namespace depthscope {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(AnalysisFormulas, NaNInAStreamMakesEveryMomentNaN) {
  const at::Tensor x = at::tensor({1.0f, 2.0f, std::nanf(""), 4.0f}).view({1, 2, 2});
  const formulas::Moments m = formulas::element_moments(x);
  EXPECT_TRUE(std::isnan(m.variance()));
  EXPECT_TRUE(std::isnan(m.rms()));
  const at::Tensor v = formulas::per_token_variance(x);  // [1, 2]
  EXPECT_DOUBLE_EQ(v[0][0].item<double>(), 0.25);
  EXPECT_TRUE(std::isnan(v[0][1].item<double>())) << "clamp_min turned NaN into 0";
}

TEST(AnalysisFormulas, AnInfiniteElementMakesVarianceAndRmsInfinite) {
  const float inf = std::numeric_limits<float>::infinity();
  // One +Inf: Inf - Inf inside E[x^2] - E[x]^2 must not become NaN or 0.
  const formulas::Moments one = formulas::element_moments(at::tensor({1.0f, inf, 3.0f, 4.0f}));
  EXPECT_EQ(one.variance(), kInf);
  EXPECT_EQ(one.rms(), kInf);
  // +Inf and -Inf: the mean is NaN, the spread and the RMS are still infinite.
  const formulas::Moments both = formulas::element_moments(at::tensor({-inf, 1.0f, inf, 4.0f}));
  EXPECT_EQ(both.variance(), kInf);
  EXPECT_EQ(both.rms(), kInf);
  const at::Tensor v = formulas::per_token_variance(at::tensor({inf, 1.0f, 2.0f, 2.0f}).view({2, 2}));
  EXPECT_EQ(v[0].item<double>(), kInf);
  EXPECT_DOUBLE_EQ(v[1].item<double>(), 0.0);  // a constant token: rounding clamped to exactly 0
  // Merging keeps what is non-finite.
  formulas::Moments merged = formulas::element_moments(at::tensor({1.0f, 2.0f}));
  merged.merge(one);
  EXPECT_EQ(merged.variance(), kInf);
  merged.merge(formulas::element_moments(at::tensor({std::nanf("")})));
  EXPECT_TRUE(std::isnan(merged.variance()));
  // An empty stream has no variance (NaN), not 0.
  EXPECT_TRUE(std::isnan(formulas::Moments{}.variance()));
  EXPECT_TRUE(formulas::non_finite(kInf) && formulas::non_finite(std::nan("")) && !formulas::non_finite(1e308));
}

TEST(AnalysisFormulas, AngularDistanceIsZeroForIdenticalAndOneForOppositeVectors) {
  const at::Tensor a = at::tensor({0.3f, -1.7f, 2.5f, 1e-3f, 40.0f});
  EXPECT_NEAR(formulas::angular_distance(a, a).item<double>(), 0.0, 1e-7);
  EXPECT_NEAR(formulas::angular_distance(a, a * 3.0).item<double>(), 0.0, 1e-7);  // scale-free
  EXPECT_NEAR(formulas::angular_distance(a, -a).item<double>(), 1.0, 1e-7);
  const at::Tensor e0 = at::tensor({1.0f, 0.0f}), e1 = at::tensor({0.0f, 1.0f});
  EXPECT_NEAR(formulas::angular_distance(e0, e1).item<double>(), 0.5, 1e-12);
}

TEST(AnalysisFormulas, AngularDistanceIsPerToken) {
  const at::Tensor x = at::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({1, 2, 2});   // [1, T=2, d=2]
  const at::Tensor y = at::tensor({-1.0f, 0.0f, 0.0f, 1.0f}).view({1, 2, 2});
  const at::Tensor d = formulas::angular_distance(x, y);                      // [1, 2]
  ASSERT_EQ(d.sizes(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_NEAR(d[0][0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(d[0][1].item<double>(), 0.0, 1e-12);
}

TEST(AnalysisFormulas, MomentsMergeEqualsTheVarianceOfAllElements) {
  const at::Tensor a = at::tensor({1.0, 2.0, 4.0}), b = at::tensor({-3.0, 10.0});
  formulas::Moments m = formulas::element_moments(a);
  m.merge(formulas::element_moments(b));
  // mean 14/5 = 2.8; squared deviations 3.24 + 0.64 + 1.44 + 33.64 + 51.84 = 90.8; / 5
  EXPECT_DOUBLE_EQ(m.count, 5.0);
  EXPECT_NEAR(m.mean, 2.8, 1e-12);
  EXPECT_NEAR(m.variance(), 18.16, 1e-12);
}

TEST(AnalysisFormulas, PerTokenVarianceAndUpdateRatio) {
  const at::Tensor x = at::tensor({1.0f, 3.0f, 2.0f, 2.0f}).view({2, 2});  // tokens (1,3), (2,2)
  const at::Tensor v = formulas::per_token_variance(x);
  EXPECT_DOUBLE_EQ(v[0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(v[1].item<double>(), 0.0);
  const at::Tensor u = at::tensor({3.0f, 4.0f, 0.0f, 0.0f}).view({2, 2});
  const at::Tensor r = formulas::update_ratio(u, x);  // 5 / sqrt(10), 0
  EXPECT_NEAR(r[0].item<double>(), 5.0 / std::sqrt(10.0), 1e-12);
  EXPECT_DOUBLE_EQ(r[1].item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(formulas::block_influence(0.25), 0.75);
}

TEST(AnalysisFormulas, NextTokenNllOfUniformLogitsIsLogVocab) {
  const at::Tensor logits = at::zeros({1, 4, 10});                      // [B, T, V]
  const at::Tensor tokens = at::tensor({1, 2, 3, 4}, at::kLong).view({1, 4});
  const at::Tensor nll = formulas::next_token_nll(logits, tokens, 1, 3);  // positions 1, 2
  ASSERT_EQ(nll.size(1), 2);
  EXPECT_NEAR(nll[0][0].item<double>(), std::log(10.0), 1e-12);
  EXPECT_THROW(formulas::next_token_nll(logits, tokens, 0, 4), UsageError);
}

TEST(AnalysisFormulas, PerplexityUncertaintyFollowsLlamaCpp) {
  // nll values 1, 2, 3: mean 2, E[x^2] = 14/3, var = 2/3; sqrt(var / 2) * e^2.
  EXPECT_NEAR(formulas::perplexity_uncertainty(6.0, 14.0, 3.0), std::sqrt(1.0 / 3.0) * std::exp(2.0), 1e-12);
  EXPECT_DOUBLE_EQ(formulas::perplexity_uncertainty(6.0, 12.0, 3.0), 0.0);  // all equal
  EXPECT_DOUBLE_EQ(formulas::perplexity_uncertainty(1.0, 1.0, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(formulas::length_normalised_log_likelihood(-6.0, 3), -2.0);
  EXPECT_THROW(formulas::length_normalised_log_likelihood(-1.0, 0), UsageError);
}

}  // namespace
}  // namespace depthscope
