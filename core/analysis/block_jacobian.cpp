#include "core/analysis/block_jacobian.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "core/analysis/eval_engine.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/transformer.h"

namespace depthscope {

namespace {

// Bytes of one row (one perturbed copy of the window) through one block, float32: the
// residual copies, q/k/v and attention output, the attention scores and the MLP widths.
std::int64_t bytes_per_row(const ModelConfig& c, std::int64_t T) {
  const std::int64_t d = c.hidden_size, ff = c.intermediate_size, H = c.num_heads;
  return 4 * T * (10 * d + 3 * ff + 2 * H * T);
}

std::int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::int64_t>(pages) * page : (std::int64_t{8} << 30);
}

std::string mib(std::int64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::int64_t block_jacobian_memory_estimate(const ModelConfig& c, std::int64_t tokens) {
  const std::int64_t d = c.hidden_size;
  return 2 * d * d * 8                 // the result and its float64 accumulator
         + 2 * bytes_per_row(c, tokens)  // one column: the +eps and -eps forwards
         + 4 * tokens * d;             // x_l
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
  const std::int64_t d = c.hidden_size;
  const std::int64_t budget = options.memory_budget_bytes > 0 ? options.memory_budget_bytes
                                                              : physical_memory_bytes() / 2;
  const std::int64_t need = block_jacobian_memory_estimate(c, T);
  if (need > budget)
    throw UsageError("block Jacobian: a " + std::to_string(d) + "-wide model over " + std::to_string(T) +
                     " tokens needs about " + mib(need) + ", more than the " + mib(budget) +
                     " allowed; use a smaller model or fewer tokens (--ctx)");
  analysis::check_tokens_fit(model, tokens, T);
  at::NoGradGuard no_grad;

  // x_l of the window.
  at::Tensor x = model.embed(analysis::token_row(tokens, 0, T));  // [1, T, d]
  for (std::int64_t l = 1; l < layer; ++l) {
    control.check_cancel();
    x = model.block(l, x);                                          // [1, T, d]
  }
  const double rms = x.to(at::kDouble).pow(2).mean().sqrt().item<double>();
  const double eps = options.epsilon_rel * (rms > 0 ? rms : 1.0);

  // Columns per batch: keep one batch of 2k rows under ~256 MiB (at least 1 column).
  const std::int64_t per_column = 2 * bytes_per_row(c, T);
  const std::int64_t k = std::max<std::int64_t>(1, std::min<std::int64_t>(d, (std::int64_t{256} << 20) / per_column));

  at::Tensor J = at::zeros({d, d}, at::kDouble);                   // [d, d]: J[i][j]
  for (std::int64_t j0 = 0; j0 < d; j0 += k) {
    control.check_cancel();
    const std::int64_t n = std::min(k, d - j0);
    // shifts [n, 1, d]: row r shifts unit j0 + r by eps for every token.
    at::Tensor shift = at::zeros({n, 1, d}, x.options());
    for (std::int64_t r = 0; r < n; ++r) shift[r][0][j0 + r] = eps;
    const at::Tensor xb = x.expand({n, T, d});                      // [n, T, d]
    const at::Tensor y_plus = model.block(layer, xb + shift);       // [n, T, d]
    const at::Tensor y_minus = model.block(layer, xb - shift);      // [n, T, d]
    // column j0+r = mean_t (y+ - y-) / (2 eps): [n, d] -> J[:, j0:j0+n]
    const at::Tensor cols = (y_plus.to(at::kDouble) - y_minus.to(at::kDouble)).mean(1) / (2.0 * eps);
    J.slice(1, j0, j0 + n).copy_(cols.t());
    control.report(static_cast<double>(j0 + n), static_cast<double>(d),
                   "layer " + std::to_string(layer) + " column " + std::to_string(j0 + n) + "/" + std::to_string(d));
  }

  BlockJacobianResult r;
  r.layer = layer;
  r.dim = d;
  r.tokens = T;
  const at::Tensor absJ = J.abs();
  const double diag = absJ.diagonal().sum().item<double>();
  const double all = absJ.sum().item<double>();
  r.diagonal_dominance = all > 0 ? diag / all : 0.0;
  r.identity_distance = (J - at::eye(d, at::kDouble)).pow(2).sum().sqrt().item<double>() / std::sqrt(static_cast<double>(d));
  r.mean_abs_diagonal = diag / static_cast<double>(d);
  r.mean_abs_off_diagonal = d > 1 ? (all - diag) / static_cast<double>(d * (d - 1)) : 0.0;
  const at::Tensor Jc = J.contiguous();
  r.jacobian.assign(Jc.data_ptr<double>(), Jc.data_ptr<double>() + d * d);
  return r;
}

}  // namespace depthscope
