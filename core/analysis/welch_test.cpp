#include "core/analysis/welch_test.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace depthscope {

namespace {

// The continued fraction of the regularised incomplete beta function (modified Lentz).
double beta_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-15;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < eps) break;
  }
  return h;
}

// I_x(a, b), the regularised incomplete beta function.
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(a, b, x) / a;
  return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

}  // namespace

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd r;
  r.n = values.size();
  if (r.n == 0) {
    r.mean = r.std = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  double sum = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(r.n);
  if (r.n < 2) {
    r.std = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  double sq = 0;
  for (double v : values) sq += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(sq / static_cast<double>(r.n - 1));
  return r;
}

double student_t_cdf(double t, double df) {
  if (!(df > 0)) throw UsageError("Student's t: degrees of freedom must be > 0");
  if (std::isnan(t)) return t;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  // P(T <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0.
  const double tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1)) throw UsageError("Student's t quantile: p must be in (0, 1)");
  if (p == 0.5) return 0;
  // Bisection on the monotone cdf, widened until it brackets p.
  double lo = -1, hi = 1;
  while (student_t_cdf(lo, df) > p) lo *= 2;
  while (student_t_cdf(hi, df) < p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-13 * std::fmax(1.0, std::fabs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

WelchTest welch_test(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2)
    throw UsageError("Welch's t-test needs at least two values in each group (got " + std::to_string(a.size()) +
                     " and " + std::to_string(b.size()) + ")");
  const MeanStd ma = mean_std(a), mb = mean_std(b);
  const double va = ma.std * ma.std / static_cast<double>(ma.n);  // s_a^2 / n_a
  const double vb = mb.std * mb.std / static_cast<double>(mb.n);
  WelchTest w;
  w.difference = ma.mean - mb.mean;
  w.std_error = std::sqrt(va + vb);
  if (w.std_error == 0) {
    w.df = static_cast<double>(ma.n + mb.n - 2);
    w.t = w.difference == 0 ? 0 : std::copysign(std::numeric_limits<double>::infinity(), w.difference);
    w.p_value = w.difference == 0 ? 1 : 0;
    w.ci_low = w.ci_high = w.difference;
    return w;
  }
  w.df = (va + vb) * (va + vb) /
         (va * va / static_cast<double>(ma.n - 1) + vb * vb / static_cast<double>(mb.n - 1));
  w.t = w.difference / w.std_error;
  w.p_value = 2 * student_t_cdf(-std::fabs(w.t), w.df);
  const double q = student_t_quantile(0.975, w.df);
  w.ci_low = w.difference - q * w.std_error;
  w.ci_high = w.difference + q * w.std_error;
  return w;
}

}  // namespace depthscope
