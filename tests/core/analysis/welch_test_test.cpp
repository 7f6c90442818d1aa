// Welch's t-test and Student's t, against published values (scipy.stats / statistical tables).
#include <gtest/gtest.h>

#include <cmath>

#include "core/analysis/welch_test.h"
#include "core/error.h"

namespace depthscope {
namespace {

TEST(StudentT, CdfMatchesTables) {
  EXPECT_NEAR(student_t_cdf(0.0, 3), 0.5, 1e-15);
  EXPECT_NEAR(student_t_cdf(2.0, 5), 0.94903026058507, 1e-10);   // scipy.stats.t.cdf(2, 5)
  EXPECT_NEAR(student_t_cdf(1.0, 1), 0.75, 1e-12);                // Cauchy: 1/2 + atan(1)/pi
  EXPECT_NEAR(student_t_cdf(-1.0, 1), 0.25, 1e-12);
}

TEST(StudentT, QuantilesMatchTables) {
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706204736174698, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.7764451051977987, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.2281388519649385, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -2.2281388519649385, 1e-9);
  for (double df : {1.5, 3.7, 30.0})
    for (double p : {0.01, 0.3, 0.9}) EXPECT_NEAR(student_t_cdf(student_t_quantile(p, df), df), p, 1e-12);
}

TEST(MeanStd, UsesTheSampleStandardDeviation) {
  const MeanStd m = mean_std({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(m.n, 8u);
  EXPECT_DOUBLE_EQ(m.mean, 5);
  EXPECT_NEAR(m.std, std::sqrt(32.0 / 7.0), 1e-14);  // n - 1, not n
  EXPECT_TRUE(std::isnan(mean_std({3}).std));
  EXPECT_TRUE(std::isnan(mean_std({}).mean));
}

TEST(WelchTest, EqualSizesMatchScipy) {
  // scipy.stats.ttest_ind([1,2,3], [4,5,6], equal_var=False): t = -3.6742346, p = 0.0213116.
  const WelchTest w = welch_test({1, 2, 3}, {4, 5, 6});
  EXPECT_DOUBLE_EQ(w.difference, -3);
  EXPECT_NEAR(w.std_error, std::sqrt(2.0 / 3.0), 1e-14);
  EXPECT_NEAR(w.df, 4, 1e-12);
  EXPECT_NEAR(w.t, -3.674234614174767, 1e-12);
  EXPECT_NEAR(w.p_value, 0.021311641128756727, 1e-10);
  EXPECT_NEAR(w.ci_low, -3 - 2.7764451051977987 * std::sqrt(2.0 / 3.0), 1e-9);
  EXPECT_NEAR(w.ci_high, -3 + 2.7764451051977987 * std::sqrt(2.0 / 3.0), 1e-9);
}

TEST(WelchTest, UnequalVariancesUseTheWelchSatterthwaiteDf) {
  // a: mean 2.5, s^2 = 5/3 (n 4); b: mean 6, s^2 = 10 (n 5).
  const WelchTest w = welch_test({1, 2, 3, 4}, {2, 4, 6, 8, 10});
  const double va = (5.0 / 3.0) / 4, vb = 10.0 / 5;
  EXPECT_NEAR(w.df, (va + vb) * (va + vb) / (va * va / 3 + vb * vb / 4), 1e-12);  // 5.3 < 7 = pooled df
  EXPECT_LT(w.df, 7);
  EXPECT_NEAR(w.t, -3.5 / std::sqrt(va + vb), 1e-12);
  EXPECT_NEAR(w.p_value, 2 * student_t_cdf(-std::fabs(w.t), w.df), 1e-15);
  // p = 0.069 (t = -2.25, df = 5.52): not significant at 5%, so the interval holds 0.
  EXPECT_NEAR(w.t, -2.2514363, 1e-6);
  EXPECT_GT(w.p_value, 0.05);
  EXPECT_LT(w.p_value, 0.1);
  EXPECT_LT(w.ci_low, 0);
  EXPECT_GT(w.ci_high, 0);
}

TEST(WelchTest, NoSpreadAndTooFewValues) {
  const WelchTest same = welch_test({2, 2}, {2, 2});
  EXPECT_EQ(same.p_value, 1);
  const WelchTest apart = welch_test({1, 1, 1}, {2, 2, 2});
  EXPECT_EQ(apart.p_value, 0);
  EXPECT_EQ(apart.ci_low, -1);
  EXPECT_THROW(welch_test({1}, {2, 3}), UsageError);
}

}  // namespace
}  // namespace depthscope
