#include "core/analysis/formulas.h"

#include <ATen/ATen.h>

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

Moments element_moments(const at::Tensor& x) {
  Moments m;
  const at::Tensor xd = x.to(at::kDouble);
  m.count = static_cast<double>(xd.numel());
  if (m.count == 0) return m;
  m.mean = xd.mean().item<double>();
  m.m2 = (xd - m.mean).pow(2).sum().item<double>();
  return m;
}

at::Tensor per_token_variance(const at::Tensor& x) {
  const at::Tensor xd = x.to(at::kDouble);                   // [..., d]
  const at::Tensor mean = xd.mean(-1, /*keepdim=*/true);     // [..., 1]
  return (xd - mean).pow(2).mean(-1);                        // [...]
}

at::Tensor token_norm(const at::Tensor& x) {
  return x.to(at::kDouble).pow(2).sum(-1).sqrt();            // [...]
}

at::Tensor update_ratio(const at::Tensor& update, const at::Tensor& x) {
  return token_norm(update) / token_norm(x);                 // [...]
}

at::Tensor cosine(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor ad = a.to(at::kDouble);                   // [..., d]
  const at::Tensor bd = b.to(at::kDouble);                   // [..., d]
  const at::Tensor dot = (ad * bd).sum(-1);                  // [...]
  return dot / (token_norm(ad) * token_norm(bd));            // [...]
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
