#include "core/analysis/row_stats.h"

#include <ATen/ATen.h>

#include "core/analysis/formulas.h"
#include "core/error.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/row_stats.h"
#endif

namespace depthscope {

std::pair<at::Tensor, at::Tensor> row_mean_var_reference(const at::Tensor& x) {
  if (x.dim() != 2) throw UsageError("row_mean_var: expected a [rows, d] tensor");
  at::Tensor mean = x.mean({1});                                                // [rows]
  at::Tensor var = formulas::per_token_variance(x).to(x.scalar_type());         // [rows]
  return {mean, var};
}

std::pair<at::Tensor, at::Tensor> row_mean_var(const at::Tensor& x) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  if (x.is_cuda() && x.scalar_type() == at::kFloat && x.dim() == 2) {
    at::Tensor xc = x.contiguous();
    at::Tensor mean = at::empty({x.size(0)}, x.options());
    at::Tensor var = at::empty({x.size(0)}, x.options());
    const std::string err = kernels::row_mean_var_device(
        xc.data_ptr<float>(), x.size(0), x.size(1), mean.data_ptr<float>(), var.data_ptr<float>(),
        nullptr);
    if (err.empty()) return {mean, var};
    // fall through to ATen on a kernel error (reported by the gpu test)
  }
#endif
  return row_mean_var_reference(x);
}

}  // namespace depthscope
