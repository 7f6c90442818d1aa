// The statistics' device-side sums (core/analysis/deferred_sums.h, formulas::MomentSums): the
// same doubles, bit for bit, as reading and merging on the host window by window.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/analysis/deferred_sums.h"
#include "core/analysis/formulas.h"

namespace depthscope {
namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_same(const formulas::Moments& a, const formulas::Moments& b, const char* what) {
  EXPECT_TRUE(same_bits(a.count, b.count)) << what << ": count " << a.count << " vs " << b.count;
  EXPECT_TRUE(same_bits(a.mean, b.mean)) << what << ": mean " << a.mean << " vs " << b.mean;
  EXPECT_TRUE(same_bits(a.m2, b.m2)) << what << ": m2 " << a.m2 << " vs " << b.m2;
}

// Windows of activations [1, T, d] with very different scales (Chan's merge matters).
std::vector<at::Tensor> windows() {
  at::manual_seed(3);
  std::vector<at::Tensor> w;
  for (int i = 0; i < 5; ++i) w.push_back(at::randn({1, 7 + i, 16}) * (1.0 + 40.0 * i) + 3.0 * i);
  return w;
}

// The token-variance path the fused CUDA kernel takes: s.variance filled in.
formulas::TokenSums with_token_variance(const at::Tensor& x) {
  formulas::TokenSums s = formulas::token_sums(x);
  s.variance = x.to(at::kDouble).var(-1, /*unbiased=*/false);  // [1, T]
  return s;
}

// element_moments as it read the host before the sums were deferred (two or three .item()).
formulas::Moments host_element_moments(const formulas::TokenSums& s) {
  formulas::Moments m;
  m.count = static_cast<double>(s.s1.numel()) * static_cast<double>(s.d);
  const double sum = s.s1.sum().item<double>(), sum_sq = s.s2.sum().item<double>();
  m.mean = sum / m.count;
  const double d = static_cast<double>(s.d);
  if (s.variance.defined() && !formulas::non_finite(sum_sq)) {
    m.m2 = d * (s.variance.sum() + (s.s1 / d - m.mean).pow(2).sum()).item<double>();
  } else if (formulas::non_finite(sum_sq)) {
    m.m2 = sum_sq;
  } else {
    const double m2 = sum_sq - m.count * m.mean * m.mean;
    m.m2 = m2 < 0.0 ? 0.0 : m2;
  }
  return m;
}

TEST(DeferredSums, DeferredMomentsMergeToTheHostMergesBits) {
  for (bool token_variance : {false, true}) {
    formulas::Moments host;
    DeferredMoments deferred;
    for (const at::Tensor& x : windows()) {
      const formulas::TokenSums s = token_variance ? with_token_variance(x) : formulas::token_sums(x);
      const formulas::Moments one = host_element_moments(s);
      expect_same(formulas::element_moments(s), one, "element_moments");
      host.merge(one);
      deferred.add(formulas::element_moment_sums(s));
    }
    expect_same(deferred.merged(), host, token_variance ? "merged (token variance)" : "merged");
  }
}

TEST(DeferredSums, NonFiniteAndEmptyPartsMergeAsOnTheHost) {
  std::vector<at::Tensor> w = windows();
  w[2] = w[2].clone();
  w[2].index_put_({0, 1, 3}, std::numeric_limits<float>::infinity());
  w.insert(w.begin() + 1, at::zeros({1, 0, 16}));  // an empty part
  formulas::Moments host;
  DeferredMoments deferred;
  for (const at::Tensor& x : w) {
    host.merge(formulas::element_moments(x));
    deferred.add(formulas::element_moment_sums(formulas::token_sums(x)));
  }
  expect_same(deferred.merged(), host, "with +Inf and an empty part");
  EXPECT_TRUE(std::isinf(deferred.merged().variance()));
  w[3] = w[3].clone();
  w[3].index_put_({0, 0, 0}, std::numeric_limits<float>::quiet_NaN());
  DeferredMoments with_nan;
  for (const at::Tensor& x : w) with_nan.add(formulas::element_moment_sums(formulas::token_sums(x)));
  EXPECT_TRUE(std::isnan(with_nan.merged().variance()));
  EXPECT_EQ(DeferredMoments().merged().count, 0.0);
}

TEST(DeferredSums, TokenMeanSumsAsTheHostDoes) {
  double sum = 0, count = 0;
  TokenMean mean;
  EXPECT_TRUE(std::isnan(mean.mean()));
  for (const at::Tensor& x : windows()) {
    const at::Tensor per_token = formulas::token_norm(x);  // [1, T] float64
    sum += per_token.sum().item<double>();
    count += static_cast<double>(per_token.numel());
    mean.add(per_token);
  }
  EXPECT_EQ(mean.count, count);
  EXPECT_TRUE(same_bits(mean.mean(), sum / count)) << mean.mean() << " vs " << sum / count;
}

}  // namespace
}  // namespace depthscope
