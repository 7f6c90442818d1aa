#include "core/analysis/formulas.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace depthscope::formulas {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

void Moments::merge(const Moments& other) {
  if (other.count <= 0) return;
  if (count <= 0) {
    *this = other;
    return;
  }
  const double n = count + other.count;
  if (non_finite(m2) || non_finite(other.m2) || non_finite(mean) || non_finite(other.mean)) {
    // Chan's update would turn Inf - Inf into NaN where the plain sums keep +Inf.
    mean = (mean * count + other.mean * other.count) / n;
    m2 = m2 + other.m2;  // Inf + Inf = Inf; anything + NaN = NaN
    count = n;
    return;
  }
  const double delta = other.mean - mean;
  mean += delta * other.count / n;
  m2 += other.m2 + delta * delta * count * other.count / n;
  count = n;
}

TokenSums token_sums(const at::Tensor& x) {
  const at::Tensor xd = x.to(at::kDouble);  // [..., d]
  return {xd.sum(-1), (xd * xd).sum(-1), x.size(-1)};
}

double Moments::variance() const {
  return count > 0 ? m2 / count : std::numeric_limits<double>::quiet_NaN();
}

double Moments::rms() const {
  if (count <= 0) return std::numeric_limits<double>::quiet_NaN();
  if (non_finite(m2)) return m2;  // NaN, or +Inf from an infinite element: E[x^2] = +Inf
  return std::sqrt(variance() + mean * mean);
}

namespace {
// sum (x - mean)^2 from sum x^2 and the mean. Float64 cancellation can leave a tiny negative
// number for a constant stream; only that is clamped. The sum of squares decides the
// non-finite cases: NaN when an element is NaN, +Inf when an element is +/-Inf (and none is
// NaN) -- never Inf - Inf = NaN, and never 0.
double squared_deviations(double sum_sq, double count, double mean) {
  if (non_finite(sum_sq)) return sum_sq;
  const double m2 = sum_sq - count * mean * mean;
  return m2 < 0.0 ? 0.0 : m2;
}
}  // namespace

MomentSums element_moment_sums(const TokenSums& s) {
  MomentSums m;
  m.count = static_cast<double>(s.s1.numel()) * static_cast<double>(s.d);
  m.d = static_cast<double>(s.d);
  if (m.count == 0) return m;
  const at::Tensor sum = s.s1.sum(), sum_sq = s.s2.sum();  // [] float64
  at::Tensor merged = at::zeros_like(sum);                  // []
  if (s.variance.defined()) {
    m.token_variance = true;
    // The mean as the host divides it (count on the device too: a true division).
    const at::Tensor mean = sum / at::full({}, m.count, sum.options());  // []
    merged = s.variance.sum() + (s.s1 / m.d - mean).pow(2).sum();         // []
  }
  m.parts = at::stack({sum, sum_sq, merged});  // [3]
  return m;
}

Moments MomentSums::moments(const double* read) const {
  Moments m;
  m.count = count;
  if (count == 0) return m;
  const double sum = read[0], sum_sq = read[1];
  m.mean = sum / m.count;
  if (token_variance && !non_finite(sum_sq)) {
    // Chan's merge of the tokens' own moments (d elements each, mean s1/d, variance v):
    // sum (x - mean)^2 = d * (sum_t v_t + sum_t (s1_t/d - mean)^2).
    m.m2 = d * read[2];
    return m;
  }
  m.m2 = squared_deviations(sum_sq, m.count, m.mean);  // sum (x - mean)^2
  return m;
}

Moments element_moments(const TokenSums& s) {
  const MomentSums m = element_moment_sums(s);
  if (m.count == 0) return m.moments(nullptr);
  const at::Tensor read = m.parts.to(at::kCPU, at::kDouble).contiguous();  // [3] (the one sync)
  return m.moments(read.data_ptr<double>());
}

Moments element_moments(const at::Tensor& x) { return element_moments(token_sums(x)); }

at::Tensor per_token_variance(const TokenSums& s) {
  if (s.variance.defined()) return s.variance;  // computed directly (fused CUDA kernel)
  const double d = static_cast<double>(s.d);
  at::Tensor v = s.s2 / d - (s.s1 / d).pow(2);  // E[x^2] - E[x]^2 per token  [...]
  // Same rule as squared_deviations: clamp only rounding below 0 (NaN < 0 is false, so NaN
  // stays), and a token with an infinite element (s2 = +Inf) has variance +Inf, not NaN.
  // (masked_fill rather than where/isinf: the same values, and LibTorch 1.13 has meta kernels
  // for these, so the statistics' per-window loop can be traced on the meta device. s2 is a sum
  // of squares: its only infinity is +Inf.)
  v = v.masked_fill(v < 0.0, 0.0);
  return v.masked_fill(s.s2 == std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity());
}

at::Tensor per_token_variance(const at::Tensor& x) { return per_token_variance(token_sums(x)); }

at::Tensor token_norm(const TokenSums& s) { return s.s2.sqrt(); }  // [...]

at::Tensor token_norm(const at::Tensor& x) {
  const at::Tensor xd = x.to(at::kDouble);
  return (xd * xd).sum(-1).sqrt();  // [...]
}

at::Tensor update_ratio_of_norms(const at::Tensor& update_norm, const at::Tensor& x_norm) {
  return update_norm / x_norm;                               // [...]
}

at::Tensor update_ratio(const at::Tensor& update, const at::Tensor& x) {
  return update_ratio_of_norms(token_norm(update), token_norm(x));  // [...]
}

at::Tensor cosine_of_dot(const at::Tensor& dot, const at::Tensor& norm_a, const at::Tensor& norm_b) {
  return dot / (norm_a * norm_b);  // [...]
}

namespace {
// <a, b> per token from float64 operands [..., d] -> [...].
at::Tensor dot_of(const at::Tensor& ad, const at::Tensor& bd) { return (ad * bd).sum(-1); }

// cos = <a, b> / (||a|| ||b||), per token, from float64 operands.
at::Tensor cosine_of(const at::Tensor& ad, const at::Tensor& bd, const at::Tensor& norm_a,
                     const at::Tensor& norm_b) {
  return cosine_of_dot(dot_of(ad, bd), norm_a, norm_b);  // [...]
}
}  // namespace

at::Tensor token_dot(const at::Tensor& a, const at::Tensor& b) {
  return dot_of(a.to(at::kDouble), b.to(at::kDouble));  // [...]
}

at::Tensor cosine(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor ad = a.to(at::kDouble);                   // [..., d]
  const at::Tensor bd = b.to(at::kDouble);                   // [..., d]
  return cosine_of(ad, bd, token_norm(ad), token_norm(bd));  // [...]
}

at::Tensor cosine(const at::Tensor& a, const at::Tensor& b, const TokenSums& sa, const TokenSums& sb) {
  return cosine_of(a.to(at::kDouble), b.to(at::kDouble), token_norm(sa), token_norm(sb));  // [...]
}

at::Tensor angular_distance_of_cosine(const at::Tensor& cos) {
  return at::arccos(cos.clamp(-1.0, 1.0)) / kPi;  // [...]
}

at::Tensor angular_distance(const at::Tensor& a, const at::Tensor& b) {
  return angular_distance_of_cosine(cosine(a, b));  // [...]
}

at::Tensor next_token_nll(const at::Tensor& logits, const at::Tensor& tokens, std::int64_t begin,
                          std::int64_t end) {
  const std::int64_t T = tokens.size(1);
  if (begin < 0 || end > T - 1 || begin > end)
    throw UsageError("next_token_nll: scored positions [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") do not fit a window of " + std::to_string(T) +
                     " tokens");
  const at::Tensor lp = at::log_softmax(logits.slice(1, begin, end).to(at::kDouble), -1);  // [B, n, V]
  // Token ids live on the CPU; the logits on the model's device.
  const at::Tensor target = tokens.slice(1, begin + 1, end + 1).to(lp.device(), at::kLong).unsqueeze(-1);  // [B, n, 1]
  return -lp.gather(-1, target).squeeze(-1);                 // [B, n]
}

double perplexity_from_nll(double mean_nll) { return std::exp(mean_nll); }

double perplexity_uncertainty(double sum_nll, double sum_nll_sq, double count) {
  if (count < 2) return 0.0;
  const double mean = sum_nll / count;
  const double var = sum_nll_sq / count - mean * mean;
  if (!(var > 0)) return 0.0;
  return std::sqrt(var / (count - 1)) * perplexity_from_nll(mean);
}

double length_normalised_log_likelihood(double sum_log_prob, std::int64_t tokens) {
  if (tokens <= 0) throw UsageError("length-normalised log-likelihood of an empty continuation");
  return sum_log_prob / static_cast<double>(tokens);
}

}  // namespace depthscope::formulas
