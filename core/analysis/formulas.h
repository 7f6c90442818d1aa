#pragma once
// The diagnostic formulas of docs/paper.md, each written once. Every analysis (statistics,
// perplexity, layer removal, multiple choice) calls these; nothing else re-derives them.
// Tensor formulas reduce in float64 so that, e.g., identical vectors give an angular
// distance of exactly 0 rather than float32 rounding noise amplified by arccos.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace depthscope::formulas {

// Running moments of a set of numbers (Chan et al.'s parallel merge), so the variance over
// all elements of many windows is exact without holding them.
//
// Non-finite streams stay non-finite: an element that is NaN makes the mean, the variance
// and the RMS NaN; an infinite element (and no NaN) makes the variance and the RMS +Inf.
// Nothing is ever clamped into a finite number (docs/analysis.md, "NaN and Inf").
struct Moments {
  double count = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared deviations from the mean
  void merge(const Moments& other);
  // Population variance (divide by count); NaN when empty.
  double variance() const;
  // Root mean square sqrt(E[x^2]) = sqrt(variance + mean^2); NaN when empty.
  double rms() const;
};

// True when the number is NaN or +/-Inf.
inline bool non_finite(double v) { return !(v - v == 0.0); }

// Per-token sums of x [..., d] in float64: s1 = sum_d x and s2 = sum_d x^2, each [...].
// One pass over a tensor gives its element moments, per-token variance and per-token norm,
// so the statistics of a residual stream are computed once and reused (x_{l+1} is the input
// of layer l+1).
struct TokenSums {
  at::Tensor s1, s2;   // [...] float64
  std::int64_t d = 0;  // hidden size summed over
  // Optional [...] float64: each token's variance when it was computed directly (the fused
  // CUDA statistics kernel, core/analysis/row_stats.h). per_token_variance returns it and
  // element_moments merges it exactly instead of subtracting E[x]^2 from E[x^2].
  at::Tensor variance;
};
TokenSums token_sums(const at::Tensor& x);

// Moments of every element of x (any shape).
Moments element_moments(const at::Tensor& x);
Moments element_moments(const TokenSums& s);

// The sums element_moments(s) reduces the token sums to, left on their device so that the
// read (one host sync) can wait until many are collected: moments(read) is exactly
// element_moments(s), bit for bit.
struct MomentSums {
  double count = 0;             // elements (numel of s1 times d)
  double d = 0;                 // hidden size the tokens were summed over
  bool token_variance = false;  // s.variance was defined: parts[2] is filled
  // [3] float64 on s1's device: sum x, sum x^2, and (token_variance) the Chan merge of the
  // tokens' own moments sum_t v_t + sum_t (s1_t/d - mean)^2; undefined when count is 0.
  at::Tensor parts;
  // The moments from parts already read to the host (3 doubles; ignored when count is 0).
  Moments moments(const double* read) const;
};
MomentSums element_moment_sums(const TokenSums& s);

// Residual-stream variance, per token: the population variance across the hidden
// dimension of each token. x [..., d] -> [...] (float64). NaN for a token holding NaN,
// +Inf for one holding +/-Inf (and no NaN).
at::Tensor per_token_variance(const at::Tensor& x);
at::Tensor per_token_variance(const TokenSums& s);

// Euclidean norm of each token's vector: x [..., d] -> [...] (float64).
at::Tensor token_norm(const at::Tensor& x);
at::Tensor token_norm(const TokenSums& s);

// Update ratio ||F(.)|| / ||x|| per token: the size of a block's update to the residual
// stream relative to the stream it is added to. update, x [..., d] -> [...] (float64).
at::Tensor update_ratio(const at::Tensor& update, const at::Tensor& x);
// The same from per-token norms already computed: ||F|| / ||x||, [...] -> [...].
at::Tensor update_ratio_of_norms(const at::Tensor& update_norm, const at::Tensor& x_norm);

// Dot product of each token's vectors: a, b [..., d] -> [...] (float64).
at::Tensor token_dot(const at::Tensor& a, const at::Tensor& b);

// cos = <a, b> / (||a|| ||b||) per token from the dot products and norms, each [...].
at::Tensor cosine_of_dot(const at::Tensor& dot, const at::Tensor& norm_a, const at::Tensor& norm_b);

// Cosine similarity per token: a, b [..., d] -> [...] (float64).
at::Tensor cosine(const at::Tensor& a, const at::Tensor& b);
// The same, reusing the token sums of a and b for their norms.
at::Tensor cosine(const at::Tensor& a, const at::Tensor& b, const TokenSums& sa, const TokenSums& sb);

// Angular distance d = arccos(cos(a, b)) / pi per token, in [0, 1]: 0 for vectors pointing
// the same way, 1 for opposite ones (docs/paper.md, diagnostic 2). a, b [..., d] -> [...].
at::Tensor angular_distance(const at::Tensor& a, const at::Tensor& b);
// The same from cosines already computed: arccos(clamp(cos, -1, 1)) / pi, [...] -> [...].
at::Tensor angular_distance_of_cosine(const at::Tensor& cos);

// Block Influence (ShortGPT): BI_l = 1 - mean cos(x_l, x_{l+1}).
inline double block_influence(double mean_cosine) { return 1.0 - mean_cosine; }

// Negative log-likelihood of each next token: logits [B, T, V] at positions
// [begin, end) predict tokens [B, T] at positions [begin + 1, end + 1). -> [B, end - begin]
// (float64). Log-softmax is taken in float64.
at::Tensor next_token_nll(const at::Tensor& logits, const at::Tensor& tokens, std::int64_t begin,
                          std::int64_t end);

// Perplexity from a mean negative log-likelihood (nats per token): exp(mean NLL).
double perplexity_from_nll(double mean_nll);

// llama.cpp's uncertainty of a perplexity estimate from the sums of the per-token NLL and
// its square over `count` tokens: ppl * sqrt((E[nll^2] - E[nll]^2) / (count - 1)), and 0
// when that variance is not positive or count < 2.
double perplexity_uncertainty(double sum_nll, double sum_nll_sq, double count);

// Length-normalised log-likelihood of a multiple-choice continuation: the sum of the log
// probabilities of its tokens divided by the number of tokens.
double length_normalised_log_likelihood(double sum_log_prob, std::int64_t tokens);

}  // namespace depthscope::formulas
