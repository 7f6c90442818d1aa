#pragma once
// Comparing two groups of runs (seeds) with unequal variances: Welch's t-test and the 95%
// confidence interval of the difference of means. Plain math, no torch.
//
//   difference = mean(a) - mean(b)
//   se         = sqrt(s_a^2 / n_a + s_b^2 / n_b)          (s: sample std, n - 1)
//   t          = difference / se
//   df         = se^4 / ((s_a^2/n_a)^2 / (n_a-1) + (s_b^2/n_b)^2 / (n_b-1))   (Welch-Satterthwaite)
//   p          = 2 * P(T_df > |t|)                          (two-sided)
//   ci95       = difference +- t_{0.975, df} * se
// The same as scipy.stats.ttest_ind(a, b, equal_var=False).
#include <cstddef>
#include <vector>

namespace depthscope {

struct MeanStd {
  std::size_t n = 0;
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); NaN when n < 2
};
MeanStd mean_std(const std::vector<double>& values);

struct WelchTest {
  double difference = 0;  // mean(a) - mean(b)
  double std_error = 0;
  double df = 0;
  double t = 0;
  double p_value = 0;     // two-sided
  double ci_low = 0, ci_high = 0;  // 95%
};

// Needs at least two values in each group (throws UsageError otherwise). Two groups without
// spread (se = 0) give p = 0 when the means differ, 1 when they are equal, and a zero-width
// interval.
WelchTest welch_test(const std::vector<double>& a, const std::vector<double>& b);

// Student's t distribution with `df` > 0 degrees of freedom.
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);  // 0 < p < 1

}  // namespace depthscope
