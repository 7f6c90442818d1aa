#include "core/train/train_step.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/analysis/formulas.h"
#include "core/model/transformer.h"
#include "core/train/adam.h"

namespace depthscope {

NamedParams trainable_parameters(Transformer& model) {
  NamedParams params;
  for (auto& [name, t] : named_tensors(model.mutable_weights(), model.config())) {
    t->set_requires_grad(true);
    params.emplace_back(name, *t);
  }
  return params;
}

namespace {
// sqrt(sum over tensors of |g|^2): each tensor's norm in one vectorised, threaded ATen
// reduction (no float64 copy of the gradients), the sum of their squares in double.
double global_norm(const NamedParams& params) {
  at::NoGradGuard no_grad;
  double sq = 0;
  for (const auto& [name, p] : params)
    if (p.grad().defined()) {
      const double n = at::linalg_vector_norm(p.grad()).item<double>();
      sq += n * n;
    }
  return std::sqrt(sq);
}
}  // namespace

StepOutcome train_step(Transformer& model, const NamedParams& params, Adam& adam, double lr, double clip,
                       std::int64_t accumulate, const std::function<at::Tensor(std::int64_t)>& batch,
                       LayerProbe* probe, const std::function<at::Tensor(std::int64_t)>& loss_mask,
                       const std::function<void()>& before_update) {
  // Gradients are dropped rather than zeroed: backward then hands each parameter its fresh
  // gradient instead of adding it to a zeroed buffer (one pass less per tensor, no memset).
  for (const auto& [name, p] : params) p.mutable_grad() = at::Tensor();
  StepOutcome out;
  double loss_sum = 0;
  for (std::int64_t micro = 0; micro < accumulate; ++micro) {
    const at::Tensor b = batch(micro);  // [B, T+1]
    const std::int64_t T = b.size(1) - 1;
    const at::Tensor logits = model.forward(b.slice(1, 0, T), micro == 0 ? probe : nullptr);  // [B, T, V]
    const at::Tensor targets = b.slice(1, 1, T + 1).reshape({-1});                          // [B*T]
    at::Tensor loss;
    if (loss_mask) {
      const at::Tensor mask = loss_mask(micro).reshape({-1}).to(at::kFloat);  // [B*T]
      const at::Tensor nll = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), targets, {},
                                                    at::Reduction::None);  // [B*T]
      loss = (nll * mask).sum() / mask.sum().clamp_min(1.0);
    } else {
      loss = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), targets);
    }
    (loss / static_cast<double>(accumulate)).backward();
    loss_sum += loss.item<double>();
  }
  out.loss = loss_sum / static_cast<double>(accumulate);
  if (formulas::non_finite(out.loss)) return out;
  out.grad_norm = global_norm(params);
  if (clip > 0 && out.grad_norm > clip) {
    at::NoGradGuard no_grad;
    for (const auto& [name, p] : params)
      if (p.grad().defined()) p.mutable_grad().mul_(clip / out.grad_norm);
  }
  if (before_update) before_update();
  adam.step(lr);
  return out;
}

}  // namespace depthscope
