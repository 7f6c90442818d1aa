#include "core/analysis/layer_stats.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/fused_formulas.h"
#include "core/analysis/memory_estimate.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/probe.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace {

using formulas::Moments;

// Sums over tokens of a [B, T] float64 tensor, with the token count.
struct TokenMean {
  double sum = 0;
  double count = 0;
  void add(const at::Tensor& per_token) {
    sum += per_token.sum().item<double>();
    count += static_cast<double>(per_token.numel());
  }
  double mean() const { return count > 0 ? sum / count : LayerStats::kNaN; }
};

// Everything accumulated for one layer over all windows.
struct LayerAccumulator {
  Moments input, output, attn_in, mlp_in;
  TokenMean input_token_var, output_token_var, attn_ratio, mlp_ratio, cosine, lens_nll;
};

// Reduces the block's internal sites as the forward visits them; nothing is kept but sums
// (and the resid_mid token norms until the MLP update arrives).
class StatsProbe : public LayerProbe {
 public:
  StatsProbe(LayerAccumulator& acc, at::Tensor x_in_norm) : acc_(acc), x_in_norm_(std::move(x_in_norm)) {}

  bool wants(std::int64_t, ProbeSite site) const override {
    return site == ProbeSite::attn_in || site == ProbeSite::attn_out || site == ProbeSite::resid_mid ||
           site == ProbeSite::mlp_in || site == ProbeSite::mlp_out;
  }

  void record(std::int64_t, ProbeSite site, const at::Tensor& x) override {
    switch (site) {
      case ProbeSite::attn_in: acc_.attn_in.merge(fused::element_moments(x)); break;
      case ProbeSite::mlp_in: acc_.mlp_in.merge(fused::element_moments(x)); break;
      case ProbeSite::attn_out: acc_.attn_ratio.add(formulas::update_ratio_of_norms(fused::token_norm(x), x_in_norm_)); break;
      case ProbeSite::resid_mid: mid_norm_ = fused::token_norm(x); break;                        // [B, T]
      case ProbeSite::mlp_out:
        if (mid_norm_.defined()) acc_.mlp_ratio.add(formulas::update_ratio_of_norms(fused::token_norm(x), mid_norm_));
        break;
      default: break;
    }
  }

 private:
  LayerAccumulator& acc_;
  at::Tensor x_in_norm_;  // ||x_l|| per token [B, T]
  at::Tensor mid_norm_;   // ||h|| per token [B, T]
};

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


// The statistics of layer l from its sums over every window.
LayerStats finish_layer(std::int64_t l, const LayerAccumulator& acc, const LayerStatsOptions& options) {
  LayerStats s;
  s.layer = l;
  s.input_variance = acc.input.variance();
  s.output_variance = acc.output.variance();
  s.input_token_variance = acc.input_token_var.mean();
  s.output_token_variance = acc.output_token_var.mean();
  s.rms = acc.output.rms();
  s.attn_update_ratio = acc.attn_ratio.mean();
  s.mlp_update_ratio = acc.mlp_ratio.mean();
  s.attn_norm_out_variance = acc.attn_in.variance();
  s.mlp_norm_out_variance = acc.mlp_in.variance();
  s.block_influence = formulas::block_influence(acc.cosine.mean());
  if (options.logit_lens) s.logit_lens_loss = acc.lens_nll.mean();
  return s;
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
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = model.embed(windows[g0 + i]);  // [1, T, d]
      sums[i] = fused::token_sums(x[i]);
    }
    if (options.angular) history.push_back(x);

    for (std::int64_t l = 1; l <= L; ++l) {
      LayerAccumulator& a = acc[static_cast<std::size_t>(l - 1)];
      for (std::size_t i = 0; i < x.size(); ++i) {
        control.check_cancel();
        const at::Tensor& x_in = x[i];                      // x_l      [1, T, d]
        const formulas::TokenSums& s_in = sums[i];
        StatsProbe probe(a, formulas::token_norm(s_in));
        at::Tensor x_out = model.block(l, x_in, &probe);    // x_{l+1}  [1, T, d]
        // Sums of x_{l+1} and cos(x_l, x_{l+1}): one fused kernel pass on CUDA tensors.
        fused::BlockOutputSums out = fused::block_output_sums(x_in, s_in, x_out);
        formulas::TokenSums& s_out = out.sums;
        a.input.merge(formulas::element_moments(s_in));
        a.output.merge(formulas::element_moments(s_out));
        a.input_token_var.add(formulas::per_token_variance(s_in));    // [1, T]
        a.output_token_var.add(formulas::per_token_variance(s_out));  // [1, T]
        a.cosine.add(out.cosine);                                     // [1, T]
        if (options.logit_lens) {
          const std::int64_t T = x_out.size(1);
          const at::Tensor logits = model.head(x_out.slice(1, 0, T - 1));                  // [1, T-1, V]
          a.lens_nll.add(formulas::next_token_nll(logits, windows[g0 + i], 0, T - 1));    // [1, T-1]
        }
        x[i] = x_out;
        sums[i] = std::move(s_out);
        control.report(static_cast<double>(l - 1) * static_cast<double>(W) + static_cast<double>(g0 + i + 1),
                       units, "layer " + std::to_string(l) + "/" + std::to_string(L));
      }
      if (options.angular) {
        history.push_back(x);  // x_{l+1}
        for (std::int64_t k = 1; k <= l; ++k) {  // d(k, l+1)
          TokenMean& all = angular_all[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)];
          TokenMean& last = angular_last[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)];
          for (std::size_t i = 0; i < x.size(); ++i) {
            const at::Tensor d = fused::angular_distance(history[static_cast<std::size_t>(k - 1)][i], x[i]);  // [1, T]
            all.add(d);
            last.add(d.select(1, d.size(1) - 1));
          }
        }
      }
      if (last_group) {
        result.layers.push_back(finish_layer(l, a, options));
        LayerStats& s = result.layers.back();
        if (options.angular) {
          result.angular.token_mean.resize(static_cast<std::size_t>(L));
          result.angular.last_token.resize(static_cast<std::size_t>(L));
          for (std::int64_t k = 1; k <= l; ++k) {
            const double dm = angular_all[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)].mean();
            const double dl = angular_last[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)].mean();
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
