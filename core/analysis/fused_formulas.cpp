#include "core/analysis/fused_formulas.h"

#include <ATen/ATen.h>

#include "core/analysis/row_stats.h"
#include "core/runtime/kernel_dispatch.h"

namespace depthscope::fused {

namespace {
// The sums formulas:: would compute, from the kernel's per-token statistics of x.
formulas::TokenSums sums_of(const TokenStats& t, std::int64_t d) {
  formulas::TokenSums s;
  s.s1 = t.mean * static_cast<double>(d);  // [...]
  s.s2 = t.sq_norm;                        // [...]
  s.d = d;
  s.variance = t.variance;                 // [...]
  return s;
}
}  // namespace

formulas::TokenSums token_sums(const at::Tensor& x) {
  if (!kernels_apply(x)) return formulas::token_sums(x);
  return sums_of(token_stats(x), x.size(-1));
}

formulas::Moments element_moments(const at::Tensor& x) {
  if (!kernels_apply(x)) return formulas::element_moments(x);
  return formulas::element_moments(token_sums(x));
}

formulas::MomentSums element_moment_sums(const at::Tensor& x) {
  return formulas::element_moment_sums(token_sums(x));
}

at::Tensor token_norm(const at::Tensor& x) {
  if (!kernels_apply(x)) return formulas::token_norm(x);
  return formulas::token_norm(token_sums(x));  // [...]
}

BlockOutputSums block_output_sums(const at::Tensor& x_in, const formulas::TokenSums& s_in,
                                  const at::Tensor& x_out) {
  BlockOutputSums b;
  if (!kernels_apply(x_out)) {
    b.sums = formulas::token_sums(x_out);
    b.cosine = formulas::cosine(x_in, x_out, s_in, b.sums);
    return b;
  }
  const TokenStats t = token_stats(x_out, x_in);  // one pass over x_{l+1} and x_l
  b.sums = sums_of(t, x_out.size(-1));
  b.cosine = formulas::cosine_of_dot(t.dot, formulas::token_norm(s_in), formulas::token_norm(b.sums));  // [...]
  return b;
}

at::Tensor angular_distance(const at::Tensor& a, const at::Tensor& b) {
  if (!kernels_apply(a)) return formulas::angular_distance(a, b);
  const TokenStats t = token_stats(a, b);
  return formulas::angular_distance_of_cosine(
      formulas::cosine_of_dot(t.dot, t.sq_norm.sqrt(), t.y_sq_norm.sqrt()));  // [...]
}

}  // namespace depthscope::fused
