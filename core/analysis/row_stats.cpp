#include "core/analysis/row_stats.h"

#include <ATen/ATen.h>

#include "core/analysis/formulas.h"
#include "core/error.h"
#include "core/runtime/kernel_dispatch.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/token_stats.h"
#endif

namespace depthscope {

std::pair<at::Tensor, at::Tensor> row_mean_var_reference(const at::Tensor& x) {
  if (x.dim() != 2) throw UsageError("row_mean_var: expected a [rows, d] tensor");
  at::Tensor mean = x.mean({1});                                                // [rows]
  at::Tensor var = formulas::per_token_variance(x).to(x.scalar_type());         // [rows]
  return {mean, var};
}

namespace {

void check_pair(const at::Tensor& x, const at::Tensor& y) {
  if (x.dim() < 1) throw UsageError("token_stats: expected a [..., d] tensor");
  if (y.defined() && !y.sizes().equals(x.sizes()))
    throw UsageError("token_stats: the two activations differ in shape");
}

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
// True when the fused kernel reads x (and y): CUDA, f32/f16/bf16, one dtype and device.
bool kernel_reads(const at::Tensor& x, const at::Tensor& y) {
  if (!kernels_apply(x) || !kernel_element_type(x.scalar_type()) || x.numel() == 0) return false;
  return !y.defined() || (y.scalar_type() == x.scalar_type() && y.device() == x.device());
}

TokenStats token_stats_kernel(const at::Tensor& x, const at::Tensor& y) {
  const std::int64_t d = x.size(-1);
  const at::Tensor xc = x.reshape({-1, d}).contiguous();                  // [rows, d]
  const at::Tensor yc = y.defined() ? y.reshape({-1, d}).contiguous() : at::Tensor();
  const std::int64_t rows = xc.size(0);
  const at::Tensor wide = at::empty({y.defined() ? 5 : 3, rows}, x.options().dtype(at::kDouble));  // [fields, rows]
  kernels::TokenStatsOutput o;
  o.mean = wide[0].data_ptr<double>();
  o.variance = wide[1].data_ptr<double>();
  o.sq_norm = wide[2].data_ptr<double>();
  if (y.defined()) {
    o.dot = wide[3].data_ptr<double>();
    o.y_sq_norm = wide[4].data_ptr<double>();
  }
  check_kernel(kernels::token_stats_device(*kernel_element_type(x.scalar_type()), xc.data_ptr(),
                                           yc.defined() ? yc.data_ptr() : nullptr, rows, d, o,
                                           kernel_device_index(x), kernel_stream(x)),
               "token_stats");
  const at::IntArrayRef tokens = x.sizes().slice(0, x.dim() - 1);
  TokenStats s;
  s.mean = wide[0].view(tokens);
  s.variance = wide[1].view(tokens);
  s.sq_norm = wide[2].view(tokens);
  if (y.defined()) {
    s.dot = wide[3].view(tokens);
    s.y_sq_norm = wide[4].view(tokens);
  }
  return s;
}
#endif

}  // namespace

TokenStats token_stats_reference(const at::Tensor& x, const at::Tensor& y) {
  check_pair(x, y);
  const formulas::TokenSums sx = formulas::token_sums(x);
  TokenStats s;
  s.mean = sx.s1 / static_cast<double>(sx.d);        // [...]
  s.variance = formulas::per_token_variance(sx);     // [...]
  s.sq_norm = sx.s2;                                 // [...]
  if (y.defined()) {
    s.dot = formulas::token_dot(x, y);               // [...]
    s.y_sq_norm = formulas::token_sums(y).s2;        // [...]
  }
  return s;
}

TokenStats token_stats(const at::Tensor& x, const at::Tensor& y) {
  check_pair(x, y);
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  if (kernel_reads(x, y)) return token_stats_kernel(x, y);
#endif
  return token_stats_reference(x, y);
}

std::pair<at::Tensor, at::Tensor> row_mean_var(const at::Tensor& x) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  if (x.dim() == 2 && kernel_reads(x, at::Tensor())) {
    const TokenStats t = token_stats_kernel(x, at::Tensor());  // float64 [rows]
    return {t.mean.to(x.scalar_type()), t.variance.to(x.scalar_type())};
  }
#endif
  return row_mean_var_reference(x);
}

}  // namespace depthscope
