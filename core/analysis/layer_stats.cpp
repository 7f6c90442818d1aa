#include "core/analysis/layer_stats.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/fused_formulas.h"
#include "core/analysis/layer_stats_window.h"
#include "core/analysis/memory_estimate.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace {

// Windows of n_ctx tokens; the shorter tail is kept when it has at least 2 tokens.
std::vector<at::Tensor> stats_windows(const std::vector<std::int64_t>& ids, std::int64_t n_ctx) {
  std::vector<at::Tensor> w;
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  for (std::int64_t start = 0; start < n; start += n_ctx) {
    const std::int64_t len = std::min(n_ctx, n - start);
    if (len < 2) break;
    w.push_back(analysis::token_row(ids, start, len));  // [1, len]
  }
  return w;
}

std::int64_t used_tokens(std::int64_t tokens, const LayerStatsOptions& o) {
  return o.max_tokens > 0 ? std::min(tokens, o.max_tokens) : tokens;
}
}  // namespace

LayerStatsPlan plan_layer_statistics(const ModelConfig& config, std::int64_t all_tokens,
                                     const LayerStatsOptions& o) {
  LayerStatsPlan plan;
  plan.tokens = used_tokens(all_tokens, o);
  const std::int64_t T = std::min(o.n_ctx, std::max<std::int64_t>(plan.tokens, 1));
  plan.windows = (plan.tokens + o.n_ctx - 1) / std::max<std::int64_t>(o.n_ctx, 1);
  if (plan.tokens - (plan.windows - 1) * o.n_ctx < 2 && plan.windows > 1) --plan.windows;  // tail < 2 dropped
  const std::int64_t budget = o.memory_budget_bytes > 0 ? o.memory_budget_bytes : default_memory_budget_bytes();
  // The most windows whose estimate fits, at least one.
  std::int64_t lo = 1, hi = std::max<std::int64_t>(plan.windows, 1);
  while (lo < hi) {
    const std::int64_t mid = (lo + hi + 1) / 2;
    if (layer_statistics_memory(config, plan.tokens, T, o.angular, mid * T) <= budget) lo = mid;
    else hi = mid - 1;
  }
  plan.group_windows = lo;
  plan.memory_estimate_bytes = layer_statistics_memory(config, plan.tokens, T, o.angular, lo * T);
  if (plan.memory_estimate_bytes > budget) {
    std::int64_t fit = T;
    while (fit > 2 && layer_statistics_memory(config, fit, fit, o.angular, fit) > budget) fit /= 2;
    const bool fits = layer_statistics_memory(config, fit, fit, o.angular, fit) <= budget;
    check_memory_budget("layer statistics of windows of " + std::to_string(T) + " tokens",
                        plan.memory_estimate_bytes, budget,
                        fits ? "windows of --ctx " + std::to_string(fit) + " tokens would fit"
                             : "the model alone does not fit; raise --memory-budget");
  }
  return plan;
}

LayerStatsResult layer_statistics(const Transformer& model, const std::vector<std::int64_t>& all_tokens,
                                  const LayerStatsOptions& options, const RunControl& control,
                                  const std::function<void(const LayerStats&)>& on_layer) {
  if (options.n_ctx < 2)
    throw UsageError("layer statistics: the context must be at least 2 tokens (got " +
                     std::to_string(options.n_ctx) + ")");
  std::vector<std::int64_t> tokens = all_tokens;
  if (options.max_tokens > 0 && static_cast<std::int64_t>(tokens.size()) > options.max_tokens)
    tokens.resize(static_cast<std::size_t>(options.max_tokens));
  if (tokens.size() < 2)
    throw UsageError("layer statistics: need at least 2 tokens, got " + std::to_string(tokens.size()));
  check_tokens_fit(model.config(), tokens, std::min<std::int64_t>(options.n_ctx, tokens.size()));
  const LayerStatsPlan plan = plan_layer_statistics(model.config(), static_cast<std::int64_t>(tokens.size()), options);

  at::NoGradGuard no_grad;
  const std::int64_t L = model.num_layers();
  const std::vector<at::Tensor> windows = stats_windows(tokens, options.n_ctx);
  const std::size_t W = windows.size();
  const std::size_t G = static_cast<std::size_t>(plan.group_windows);
  LayerStatsResult result;
  result.windows = static_cast<std::int64_t>(W);
  result.memory_estimate_bytes = plan.memory_estimate_bytes;
  for (const at::Tensor& w : windows) result.tokens += w.size(1);

  // Sums over every window of every group; angular[k-1][l-1] accumulates d(k, l+1).
  std::vector<LayerAccumulator> acc(static_cast<std::size_t>(L));
  std::vector<std::vector<TokenMean>> angular_all, angular_last;
  if (options.angular) {
    angular_all.assign(static_cast<std::size_t>(L), std::vector<TokenMean>(static_cast<std::size_t>(L)));
    angular_last = angular_all;
  }

  const double units = static_cast<double>(L) * static_cast<double>(W);
  for (std::size_t g0 = 0; g0 < W; g0 += G) {
    const std::size_t g1 = std::min(W, g0 + G);
    const bool last_group = g1 == W;
    ++result.groups;
    // history[b][i] = x_{b+1} of window g0 + i (kept only for the angular matrix).
    std::vector<std::vector<at::Tensor>> history;
    std::vector<at::Tensor> x(g1 - g0);
    std::vector<formulas::TokenSums> sums(g1 - g0);  // token sums of x[i], reused as the next layer's input
    std::vector<at::Tensor> targets(g1 - g0);        // the windows' token ids on the model's device
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = model.embed(windows[g0 + i]);  // [1, T, d]
      sums[i] = fused::token_sums(x[i]);
      targets[i] = windows[g0 + i].to(model.device());  // [1, T] (one copy per window, not per layer)
    }
    if (options.angular) history.push_back(x);

    for (std::int64_t l = 1; l <= L; ++l) {
      LayerAccumulator& a = acc[static_cast<std::size_t>(l - 1)];
      for (std::size_t i = 0; i < x.size(); ++i) {
        control.check_cancel();
        // x_l [1, T, d] -> x_{l+1}; sums[i] becomes the token sums of x_{l+1}, the next input's.
        x[i] = window_through_layer(model, l, x[i], sums[i], targets[i], options.logit_lens, a);
        control.report(static_cast<double>(l - 1) * static_cast<double>(W) + static_cast<double>(g0 + i + 1),
                       units, "layer " + std::to_string(l) + "/" + std::to_string(L));
      }
      if (options.angular) {
        history.push_back(x);  // x_{l+1}
        for (std::int64_t k = 1; k <= l; ++k) {  // d(k, l+1)
          TokenMean& all = angular_all[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)];
          TokenMean& last = angular_last[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)];
          for (std::size_t i = 0; i < x.size(); ++i)
            window_angular_distance(history[static_cast<std::size_t>(k - 1)][i], x[i], all, last);
        }
      }
      if (last_group) {
        // Every sum of layer l read with one copy (one sync per layer), then taken in order.
        HostRead read;
        a.queue(read, options.logit_lens);
        if (options.angular)
          for (std::int64_t k = 1; k <= l; ++k) {
            angular_all[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)].queue(read);
            angular_last[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)].queue(read);
          }
        read.read();
        result.layers.push_back(a.finish(l, options.logit_lens, read));
        LayerStats& s = result.layers.back();
        if (options.angular) {
          result.angular.token_mean.resize(static_cast<std::size_t>(L));
          result.angular.last_token.resize(static_cast<std::size_t>(L));
          for (std::int64_t k = 1; k <= l; ++k) {
            const double dm = angular_all[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)].mean(read);
            const double dl = angular_last[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)].mean(read);
            s.angular_to_output_token_mean.push_back(dm);
            s.angular_to_output_last_token.push_back(dl);
            result.angular.token_mean[static_cast<std::size_t>(k - 1)].push_back(dm);  // column n-1 = l-k
            result.angular.last_token[static_cast<std::size_t>(k - 1)].push_back(dl);
          }
        }
        if (result.first_non_finite_layer == 0 &&
            (formulas::non_finite(s.output_variance) || formulas::non_finite(s.rms)))
          result.first_non_finite_layer = l;
        if (on_layer) on_layer(s);
      }
    }
  }
  return result;
}

}  // namespace depthscope
