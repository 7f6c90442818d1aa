#include "core/train/next_token_loss.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include "core/runtime/parallel.h"
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

#include "core/error.h"

namespace depthscope {

namespace {

// Runs f(r0, r1) over blocks of rows of about 256 KiB of float32 logits (a block's second
// pass then reads from cache), the blocks spread over the tensor threads.
template <class F>
void for_row_blocks(std::int64_t N, std::int64_t V, const F& f) {
  const std::int64_t rows = std::max<std::int64_t>(1, (std::int64_t{1} << 16) / std::max<std::int64_t>(V, 1));
  parallel_for(0, (N + rows - 1) / rows, 1, [&](std::int64_t b0, std::int64_t b1) {
    at::NoGradGuard no_grad;  // grad mode is per thread; these are plain kernels
    for (std::int64_t b = b0; b < b1; ++b) f(b * rows, std::min(N, (b + 1) * rows));
  });
}

// logsumexp of every row of logits [N, V]: [N].
at::Tensor row_logsumexp(const at::Tensor& logits) {
  at::Tensor lse = at::empty({logits.size(0)}, logits.options());
  for_row_blocks(logits.size(0), logits.size(1), [&](std::int64_t r0, std::int64_t r1) {
    at::Tensor out = lse.slice(0, r0, r1);
    at::logsumexp_out(out, logits.slice(0, r0, r1), {1}, false);
  });
  return lse;
}

// sum_i w_i (lse_i - logits_i[target_i]): the loss with per-row weights w [N].
at::Tensor weighted_nll(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& w,
                        const at::Tensor& lse) {
  const at::Tensor picked = logits.gather(1, targets.unsqueeze(1)).squeeze(1);  // [N]
  return ((lse - picked) * w).sum();
}

struct NextTokenLossFunction : public torch::autograd::Function<NextTokenLossFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor logits, at::Tensor targets,
                            at::Tensor w) {
    const at::Tensor lse = row_logsumexp(logits);  // [N]
    ctx->save_for_backward({logits, targets, w, lse});
    return weighted_nll(logits, targets, w, lse);
  }

  // d loss / d logits_i = g w_i (softmax(logits_i) - onehot(target_i)).
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    if (!grads[0].defined()) return {at::Tensor(), at::Tensor(), at::Tensor()};
    const torch::autograd::variable_list s = ctx->get_saved_variables();
    const at::Tensor &logits = s[0], &targets = s[1], &lse = s[3];
    const at::Tensor coef = s[2] * grads[0];  // [N]
    at::Tensor dlogits = at::empty_like(logits, at::MemoryFormat::Contiguous);  // [N, V]
    for_row_blocks(logits.size(0), logits.size(1), [&](std::int64_t r0, std::int64_t r1) {
      at::Tensor d = dlogits.slice(0, r0, r1);
      at::sub_out(d, logits.slice(0, r0, r1), lse.slice(0, r0, r1).unsqueeze(1));  // log softmax
      d.exp_().mul_(coef.slice(0, r0, r1).unsqueeze(1));                            // * g w_i
    });
    dlogits.scatter_add_(1, targets.unsqueeze(1), -coef.unsqueeze(1));  // - g w_i at the target
    return {dlogits, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor next_token_loss_reference(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& mask) {
  if (!mask.defined()) return at::cross_entropy_loss(logits, targets);
  const at::Tensor nll = at::cross_entropy_loss(logits, targets, {}, at::Reduction::None);  // [N]
  const at::Tensor m = mask.to(nll.scalar_type());
  return (nll * m).sum() / m.sum().clamp_min(1.0);
}

at::Tensor next_token_loss(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& mask) {
  if (logits.dim() != 2 || targets.dim() != 1 || targets.size(0) != logits.size(0) ||
      (mask.defined() && mask.numel() != logits.size(0)))
    throw UsageError("next_token_loss: logits must be [N, V], targets [N] and the mask [N]");
  const bool kernel = logits.device().is_cpu() && targets.device().is_cpu() &&
                      (logits.scalar_type() == at::kFloat || logits.scalar_type() == at::kDouble) &&
                      targets.scalar_type() == at::kLong && logits.numel() > 0;
  if (!kernel) return next_token_loss_reference(logits, targets, mask);
  const std::int64_t N = logits.size(0);
  // Per-row weights of the mean: 1/N, or mask_i / max(sum(mask), 1).
  at::Tensor w;
  if (mask.defined()) {
    const at::Tensor m = mask.reshape({N}).to(logits.scalar_type());
    w = m / m.sum().clamp_min(1.0);
  } else {
    w = at::full({N}, 1.0 / static_cast<double>(N), logits.options());
  }
  const at::Tensor x = logits.contiguous();
  if (at::GradMode::is_enabled() && x.requires_grad()) return NextTokenLossFunction::apply(x, targets, w.detach());
  return weighted_nll(x, targets, w, row_logsumexp(x));
}

}  // namespace depthscope
