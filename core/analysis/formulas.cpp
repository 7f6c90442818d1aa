#include "core/analysis/formulas.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

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
  const double delta = other.mean - mean;
  mean += delta * other.count / n;
  m2 += other.m2 + delta * delta * count * other.count / n;
  count = n;
}

TokenSums token_sums(const at::Tensor& x) {
  const at::Tensor xd = x.to(at::kDouble);  // [..., d]
  return {xd.sum(-1), (xd * xd).sum(-1), x.size(-1)};
}

Moments element_moments(const TokenSums& s) {
  Moments m;
  m.count = static_cast<double>(s.s1.numel()) * static_cast<double>(s.d);
  if (m.count == 0) return m;
  const double sum = s.s1.sum().item<double>(), sum_sq = s.s2.sum().item<double>();
  m.mean = sum / m.count;
  m.m2 = std::max(0.0, sum_sq - m.count * m.mean * m.mean);  // sum (x - mean)^2
  return m;
}

Moments element_moments(const at::Tensor& x) { return element_moments(token_sums(x)); }

at::Tensor per_token_variance(const TokenSums& s) {
  const double d = static_cast<double>(s.d);
  return (s.s2 / d - (s.s1 / d).pow(2)).clamp_min(0.0);  // E[x^2] - E[x]^2 per token  [...]
}

at::Tensor per_token_variance(const at::Tensor& x) { return per_token_variance(token_sums(x)); }

at::Tensor token_norm(const TokenSums& s) { return s.s2.sqrt(); }  // [...]

at::Tensor token_norm(const at::Tensor& x) {
  const at::Tensor xd = x.to(at::kDouble);
  return (xd * xd).sum(-1).sqrt();  // [...]
}

at::Tensor update_ratio(const at::Tensor& update, const at::Tensor& x) {
  return token_norm(update) / token_norm(x);                 // [...]
}

namespace {
// cos = <a, b> / (||a|| ||b||), per token, from float64 operands.
at::Tensor cosine_of(const at::Tensor& ad, const at::Tensor& bd, const at::Tensor& norm_a,
                     const at::Tensor& norm_b) {
  return (ad * bd).sum(-1) / (norm_a * norm_b);  // [...]
}
}  // namespace

at::Tensor cosine(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor ad = a.to(at::kDouble);                   // [..., d]
  const at::Tensor bd = b.to(at::kDouble);                   // [..., d]
  return cosine_of(ad, bd, token_norm(ad), token_norm(bd));  // [...]
}

at::Tensor cosine(const at::Tensor& a, const at::Tensor& b, const TokenSums& sa, const TokenSums& sb) {
  return cosine_of(a.to(at::kDouble), b.to(at::kDouble), token_norm(sa), token_norm(sb));  // [...]
}

at::Tensor angular_distance(const at::Tensor& a, const at::Tensor& b) {
  return at::arccos(cosine(a, b).clamp(-1.0, 1.0)) / kPi;    // [...]
}

at::Tensor next_token_nll(const at::Tensor& logits, const at::Tensor& tokens, std::int64_t begin,
                          std::int64_t end) {
  const std::int64_t T = tokens.size(1);
  if (begin < 0 || end > T - 1 || begin > end)
    throw UsageError("next_token_nll: scored positions [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") do not fit a window of " + std::to_string(T) +
                     " tokens");
  const at::Tensor lp = at::log_softmax(logits.slice(1, begin, end).to(at::kDouble), -1);  // [B, n, V]
  const at::Tensor target = tokens.slice(1, begin + 1, end + 1).to(at::kLong).unsqueeze(-1);  // [B, n, 1]
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
