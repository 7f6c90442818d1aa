// The fused per-token statistics' CPU reference (token_stats_reference) against the formulas it
// is made of, and the statistics' dispatch (fused::) on CPU tensors: exactly formulas::.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/analysis/formulas.h"
#include "core/analysis/fused_formulas.h"
#include "core/analysis/row_stats.h"

namespace depthscope {
namespace {

TEST(TokenStats, ReferenceAgreesWithTheFormulas) {
  at::manual_seed(3);
  const at::Tensor x = at::randn({2, 5, 48}) * 2.0 + 0.5;  // [B, T, d]
  const at::Tensor y = at::randn({2, 5, 48});              // [B, T, d]
  const TokenStats s = token_stats_reference(x, y);
  ASSERT_EQ(s.mean.sizes(), at::IntArrayRef({2, 5}));
  EXPECT_EQ(s.mean.scalar_type(), at::kDouble);
  EXPECT_TRUE(at::allclose(s.mean, x.to(at::kDouble).mean(-1), 1e-12, 1e-12));
  EXPECT_TRUE(at::equal(s.variance, formulas::per_token_variance(x)));
  EXPECT_TRUE(at::allclose(s.variance, x.to(at::kDouble).var(-1, /*unbiased=*/false), 1e-10, 1e-12));
  EXPECT_TRUE(at::allclose(s.sq_norm.sqrt(), formulas::token_norm(x), 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(s.y_sq_norm.sqrt(), formulas::token_norm(y), 1e-12, 1e-12));
  // cosine, angular distance and Block Influence follow from dot and the squared norms.
  const at::Tensor cos = formulas::cosine_of_dot(s.dot, s.sq_norm.sqrt(), s.y_sq_norm.sqrt());
  EXPECT_TRUE(at::allclose(cos, formulas::cosine(x, y), 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(formulas::angular_distance_of_cosine(cos), formulas::angular_distance(x, y), 1e-12, 1e-12));
  // Without y: no dot product.
  const TokenStats alone = token_stats_reference(x);
  EXPECT_FALSE(alone.dot.defined());
  EXPECT_FALSE(alone.y_sq_norm.defined());
  EXPECT_TRUE(at::equal(alone.variance, s.variance));
}

TEST(TokenStats, DispatchOnCpuIsTheReference) {
  at::manual_seed(4);
  const at::Tensor x = at::randn({7, 33}), y = at::randn({7, 33});
  const TokenStats a = token_stats(x, y), b = token_stats_reference(x, y);
  EXPECT_TRUE(at::equal(a.mean, b.mean) && at::equal(a.variance, b.variance) && at::equal(a.sq_norm, b.sq_norm) &&
              at::equal(a.dot, b.dot) && at::equal(a.y_sq_norm, b.y_sq_norm));
  // Half-precision inputs are read in float64 too.
  const TokenStats h = token_stats_reference(x.to(at::kBFloat16), y.to(at::kBFloat16));
  EXPECT_TRUE(at::allclose(h.variance, b.variance, 2e-2, 1e-3));
  EXPECT_THROW(token_stats(x, y.narrow(1, 0, 32)), std::exception);
}

TEST(TokenStats, NonFiniteTokensFollowTheFormulas) {
  const float inf = std::numeric_limits<float>::infinity();
  const at::Tensor x = at::tensor({inf, 1.0f, 2.0f, 2.0f, std::nanf(""), 1.0f}).view({3, 2});
  const TokenStats s = token_stats_reference(x);
  EXPECT_EQ(s.variance[0].item<double>(), std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(s.variance[1].item<double>(), 0.0);
  EXPECT_TRUE(std::isnan(s.variance[2].item<double>()));
}

// The per-layer statistics call fused:: on every activation; on CPU tensors that must be
// formulas:: bit for bit (the reference tests depend on it).
TEST(TokenStats, FusedFormulasOnCpuAreExactlyTheFormulas) {
  at::manual_seed(5);
  const at::Tensor x_in = at::randn({1, 9, 40}) * 3.0, x_out = x_in + at::randn({1, 9, 40});  // [1, T, d]
  const formulas::TokenSums a = fused::token_sums(x_out), b = formulas::token_sums(x_out);
  EXPECT_TRUE(at::equal(a.s1, b.s1) && at::equal(a.s2, b.s2));
  EXPECT_FALSE(a.variance.defined());
  const formulas::Moments ma = fused::element_moments(x_out), mb = formulas::element_moments(x_out);
  EXPECT_EQ(ma.mean, mb.mean);
  EXPECT_EQ(ma.m2, mb.m2);
  EXPECT_TRUE(at::equal(fused::token_norm(x_out), formulas::token_norm(x_out)));
  const formulas::TokenSums s_in = formulas::token_sums(x_in);
  const fused::BlockOutputSums out = fused::block_output_sums(x_in, s_in, x_out);
  EXPECT_TRUE(at::equal(out.sums.s1, b.s1) && at::equal(out.sums.s2, b.s2));
  EXPECT_TRUE(at::equal(out.cosine, formulas::cosine(x_in, x_out, s_in, b)));
  EXPECT_TRUE(at::equal(fused::angular_distance(x_in, x_out), formulas::angular_distance(x_in, x_out)));
}

// Token sums that carry each token's variance (as the CUDA kernel's do) give the same element
// moments, and stay exact where E[x^2] - E[x]^2 cancels (a mean far from 0).
TEST(TokenStats, ElementMomentsFromTokenVariancesAreExact) {
  at::manual_seed(6);
  const at::Tensor x = at::randn({4, 16, 64}, at::kDouble) + 1e6;  // [B, T, d], std 1 around 1e6
  const TokenStats t = token_stats_reference(x);
  formulas::TokenSums s;
  s.s1 = t.mean * 64.0;
  s.s2 = t.sq_norm;
  s.d = 64;
  s.variance = x.var(-1, /*unbiased=*/false);  // exact per-token variances
  const formulas::Moments m = formulas::element_moments(s);
  const double exact = x.var(/*unbiased=*/false).item<double>();
  EXPECT_NEAR(m.variance(), exact, 1e-9 * exact);
  EXPECT_NEAR(m.mean, x.mean().item<double>(), 1e-6);
  EXPECT_TRUE(at::equal(formulas::per_token_variance(s), s.variance));
  // Non-finite sums still decide: an infinite element makes the variance +Inf.
  s.s2 = s.s2.clone();
  s.s2[0][0] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(formulas::element_moments(s).variance(), std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace depthscope
