#include "core/train/adam_foreach.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "core/error.h"

namespace depthscope {

void adam_update_foreach(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                         const std::vector<at::Tensor>& exp_avg, const std::vector<at::Tensor>& exp_avg_sq,
                         const AdamForeachStep& s) {
  if (grads.size() != params.size() || exp_avg.size() != params.size() || exp_avg_sq.size() != params.size())
    throw UsageError("adam_update_foreach: params, grads and both moments must be lists of the same length");
  if (params.empty()) return;
  at::NoGradGuard no_grad;
  if (s.decay != 1.0) at::_foreach_mul_(params, s.decay);  // AdamW: decoupled decay
  at::_foreach_mul_(exp_avg, s.beta1);                     // m = b1 m + (1 - b1) g
  at::_foreach_add_(exp_avg, grads, 1.0 - s.beta1);
  at::_foreach_mul_(exp_avg_sq, s.beta2);                  // v = b2 v + (1 - b2) g^2
  at::_foreach_addcmul_(exp_avg_sq, grads, grads, 1.0 - s.beta2);
  std::vector<at::Tensor> denom = at::_foreach_sqrt(exp_avg_sq);  // sqrt(v) / sqrt(bc2) + eps
  at::_foreach_div_(denom, s.sqrt_bc2);
  at::_foreach_add_(denom, s.eps);
  at::_foreach_addcdiv_(params, exp_avg, denom, -s.step_size);  // p -= step_size m / denom
}

}  // namespace depthscope
