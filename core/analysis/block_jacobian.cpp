#include "core/analysis/block_jacobian.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/analysis/eval_engine.h"
#include "core/analysis/memory_estimate.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace {

// One copy of a T-token window through one block with its autograd graph: the block's
// transient tensors (each kept for the backward pass) plus the input gradient.
std::int64_t bytes_per_copy(const ModelConfig& c, std::int64_t T) {
  return 2 * window_transient_bytes(c, T) + 4 * T * c.hidden_size;
}

// `count` positions spread evenly over 0..T-1 (all of them when count >= T), ascending.
std::vector<std::int64_t> sample_positions(std::int64_t T, std::int64_t count) {
  std::vector<std::int64_t> p;
  if (count >= T) {
    for (std::int64_t t = 0; t < T; ++t) p.push_back(t);
    return p;
  }
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t t = (2 * k + 1) * T / (2 * count);  // centre of the k-th of `count` strips
    if (p.empty() || p.back() != t) p.push_back(t);
  }
  return p;
}

}  // namespace

std::int64_t block_jacobian_memory_estimate(const ModelConfig& c, std::int64_t tokens) {
  const std::int64_t d = c.hidden_size;
  return model_weight_bytes(c)
         + 2 * d * d * 8                 // the result and its float64 accumulator
         + bytes_per_copy(c, tokens)     // at least one copy of the window per batch
         + 4 * tokens * d;               // x_l
}

BlockJacobianResult block_jacobian(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                   std::int64_t layer, const BlockJacobianOptions& options,
                                   const RunControl& control) {
  const ModelConfig& c = model.config();
  const std::int64_t L = model.num_layers();
  if (layer < 1 || layer > L)
    throw UsageError("block Jacobian: layer " + std::to_string(layer) + " is not in 1.." + std::to_string(L));
  const std::int64_t T = std::min<std::int64_t>(options.n_ctx, static_cast<std::int64_t>(tokens.size()));
  if (T < 1) throw UsageError("block Jacobian: no tokens to average over");
  if (options.positions < 1) throw UsageError("block Jacobian: --positions must be at least 1");
  const std::int64_t d = c.hidden_size;
  const std::int64_t budget = options.memory_budget_bytes > 0 ? options.memory_budget_bytes
                                                              : default_memory_budget_bytes();
  const std::int64_t need = block_jacobian_memory_estimate(c, T);
  check_memory_budget("the block Jacobian of a " + std::to_string(d) + "-wide model over " + std::to_string(T) +
                          " tokens",
                      need, budget, "use fewer tokens (--ctx)");
  check_tokens_fit(model.config(), tokens, T);

  // x_l of the window, without a graph.
  at::Tensor x;
  {
    at::NoGradGuard no_grad;
    x = model.embed(analysis::token_row(tokens, 0, T));  // [1, T, d]
    for (std::int64_t l = 1; l < layer; ++l) {
      control.check_cancel();
      x = model.block(l, x);                              // [1, T, d]
    }
  }

  BlockJacobianResult r;
  r.layer = layer;
  r.dim = d;
  r.tokens = T;
  r.positions = sample_positions(T, options.positions);
  r.memory_estimate_bytes = need;

  // Copies per batch: what the budget leaves after the rest, at most ~256 MiB, at least 1.
  const std::int64_t per_copy = bytes_per_copy(c, T);
  const std::int64_t room = std::min<std::int64_t>(std::int64_t{256} << 20, budget - need + per_copy);
  const std::int64_t k = std::max<std::int64_t>(1, std::min<std::int64_t>(d, room / per_copy));

  at::Tensor J = at::zeros({d, d}, x.options().dtype(at::kDouble));  // [d, d] on the model's device: sum over positions of J_t
  const double units = static_cast<double>(r.positions.size()) * static_cast<double>(d);
  double done = 0;
  for (const std::int64_t t : r.positions) {
    const at::Tensor prefix = x.slice(1, 0, t + 1);  // [1, t+1, d]
    for (std::int64_t i0 = 0; i0 < d; i0 += k) {
      control.check_cancel();
      const std::int64_t n = std::min(k, d - i0);
      // Copy r of the prefix answers for output unit i0 + r: the gradient of y_t[i0 + r]
      // with respect to copy r's inputs is row i0 + r of J_t at position t.
      at::Tensor xb = prefix.expand({n, t + 1, d}).clone().set_requires_grad(true);  // [n, t+1, d]
      const at::Tensor y_t = model.block(layer, xb).select(1, t);                   // [n, d]
      const at::Tensor units_of_copies = at::arange(i0, i0 + n, x.options().dtype(at::kLong)).unsqueeze(1);  // [n, 1]
      y_t.gather(1, units_of_copies).sum().backward();
      const at::Tensor rows = xb.grad().select(1, t).to(at::kDouble);                  // [n, d]
      J.slice(0, i0, i0 + n).add_(rows);
      done += static_cast<double>(n);
      control.report(done, units, "layer " + std::to_string(layer) + " position " + std::to_string(t + 1) +
                                      "/" + std::to_string(T));
    }
  }
  J.div_(static_cast<double>(r.positions.size()));

  const at::Tensor absJ = J.abs();
  const double diag = absJ.diagonal().sum().item<double>();
  const double all = absJ.sum().item<double>();
  r.diagonal_dominance = all > 0 ? diag / all : 0.0;
  r.identity_distance = (J - at::eye(d, J.options())).pow(2).sum().sqrt().item<double>() / std::sqrt(static_cast<double>(d));
  r.mean_abs_diagonal = diag / static_cast<double>(d);
  r.mean_abs_off_diagonal = d > 1 ? (all - diag) / static_cast<double>(d * (d - 1)) : 0.0;
  const at::Tensor Jc = J.cpu().contiguous();
  r.jacobian.assign(Jc.data_ptr<double>(), Jc.data_ptr<double>() + d * d);
  return r;
}

}  // namespace depthscope
