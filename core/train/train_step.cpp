#include "core/train/train_step.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

#include "core/analysis/formulas.h"
#include "core/model/transformer.h"
#include "core/runtime/malloc_policy.h"
#include "core/train/adam.h"
#include "core/train/autocast_region.h"
#include "core/train/next_token_loss.h"

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
  if (!params.empty() && !params.front().second.device().is_cpu()) {
    // On a GPU: the per-tensor norms stay on the device and come back in one copy, not one
    // synchronising .item() per tensor.
    std::vector<at::Tensor> norms;
    for (const auto& [name, p] : params)
      if (p.grad().defined()) norms.push_back(at::linalg_vector_norm(p.grad()).to(at::kDouble));
    return norms.empty() ? 0.0 : at::stack(norms).pow(2).sum().sqrt().item<double>();
  }
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
                       const std::function<void()>& before_update, const StepSync* sync, TrainDtype dtype,
                       double gradient_scale) {
  const bool bf16 = dtype == TrainDtype::bf16;
  // A training process allocates the same large blocks at every step (the [B*T, V] logits and
  // their gradient are 131 MB at V = 32000, B*T = 1024): it keeps freed memory for reuse
  // (core/runtime/malloc_policy.h), unless the process chose its policy before.
  apply_malloc_policy(MallocPolicy::keep);
  // Gradients are dropped rather than zeroed: backward then hands each parameter its fresh
  // gradient instead of adding it to a zeroed buffer (one pass less per tensor, no memset).
  for (const auto& [name, p] : params) p.mutable_grad() = at::Tensor();
  StepOutcome out;
  double loss_sum = 0;
  // With a loss mask and one process, micro-batch m weighs A * counted_m / sum of counted over
  // the step, so `accumulate: 2` gives the loss and gradient of one batch twice as large.
  std::vector<double> counted;
  if (loss_mask && (sync == nullptr || !sync->weight)) {
    double all = 0;
    for (std::int64_t micro = 0; micro < accumulate; ++micro) {
      counted.push_back(loss_mask(micro).sum().item<double>());
      all += counted.back();
    }
    for (double& c : counted) c = all > 0 ? static_cast<double>(accumulate) * c / all : 0.0;
  }
  for (std::int64_t micro = 0; micro < accumulate; ++micro) {
    const double w = sync != nullptr && sync->weight ? sync->weight(micro)
                     : counted.empty()                ? 1.0
                                                      : counted[static_cast<std::size_t>(micro)];
    if (sync != nullptr && micro == accumulate - 1 && sync->before_last_backward) sync->before_last_backward();
    if (w == 0) continue;  // no counted target on this rank: nothing to add
    const at::Tensor b = batch(micro);  // [B, T+1]
    const std::int64_t T = b.size(1) - 1;
    at::Tensor logits;  // [B, T, V]
    {
      const Bf16Autocast autocast(bf16);
      logits = model.forward(b.slice(1, 0, T), micro == 0 ? probe : nullptr);
    }
    if (bf16) logits = logits.to(at::kFloat);  // the loss in float32
    const at::Tensor targets = b.slice(1, 1, T + 1).reshape({-1});                          // [B*T]
    const at::Tensor mask = loss_mask ? loss_mask(micro).reshape({-1}).to(at::kFloat) : at::Tensor();  // [B*T]
    const at::Tensor loss = next_token_loss(logits.reshape({-1, logits.size(-1)}), targets, mask);
    (w == 1.0 ? loss / static_cast<double>(accumulate) : loss * (w / static_cast<double>(accumulate))).backward();
    loss_sum += loss.item<double>() * w;
  }
  out.loss = loss_sum / static_cast<double>(accumulate);
  if (sync != nullptr && sync->reduce) out.loss = sync->reduce(out.loss);
  if (formulas::non_finite(out.loss)) return out;
  if (gradient_scale != 1.0) {
    at::NoGradGuard no_grad;
    for (const auto& [name, p] : params)
      if (p.grad().defined()) p.mutable_grad().mul_(gradient_scale);
  }
  out.grad_norm = global_norm(params);
  // A non-finite gradient (finite loss) skips the update like a non-finite loss: the
  // weights stay as they were, and the caller ends the run as diverged.
  if (formulas::non_finite(out.grad_norm)) return out;
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
