#pragma once
// Per-layer statistics of the residual stream from forward passes over an evaluation text
// (docs/paper.md, diagnostics 2 and 3), collected through a LayerProbe.
//
// Two residual-stream variances are kept; which chart uses which:
//  - *_variance: the population variance over ALL elements of x (every token, every hidden
//    unit, every window) — the number the paper quotes (~175 in the last Pre-LN layer of
//    LLaMA-130M) and what the "Variance by depth" chart and `variance-at-init` plot;
//  - *_token_variance: the mean over tokens of each token's variance across the hidden
//    dimension — insensitive to differences between token means; shown in the statistics
//    table and as the chart's "per-token" alternative.
// Torch-free header (the GUI includes it).
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "core/model/config.h"
#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;

struct LayerStats {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::int64_t layer = 0;               // 1..L
  double input_variance = 0;            // Var(x_l) over all elements
  double input_token_variance = 0;      // mean over tokens of Var_d(x_l[t])
  double output_variance = 0;           // Var(x_{l+1}) over all elements
  double output_token_variance = 0;     // mean over tokens of Var_d(x_{l+1}[t])
  double rms = 0;                       // sqrt(mean of x_{l+1}^2) over all elements
  double attn_update_ratio = kNaN;      // mean over tokens of ||Attn(.)|| / ||x_l||
  double mlp_update_ratio = kNaN;       // mean over tokens of ||MLP(.)|| / ||h|| (h = resid_mid)
  double attn_norm_out_variance = kNaN; // Var of what attention reads (probe site attn_in:
                                        // LN_attn(x) / sqrt(l) under LNS), all elements
  double mlp_norm_out_variance = kNaN;  // Var of what the MLP reads (site mlp_in)
  double block_influence = 0;           // 1 - mean over tokens of cos(x_l, x_{l+1})
  double logit_lens_loss = kNaN;        // mean next-token NLL of head(x_{l+1}); NaN if disabled
  // Angular distances that became known with this layer's output: entry k-1 is
  // d(k, l+1) for k = 1..l (token mean / last token). Empty if angular is disabled.
  std::vector<double> angular_to_output_token_mean;
  std::vector<double> angular_to_output_last_token;
};

// d(l, l+n) = arccos(cos(x_l, x_{l+n})) / pi for l = 1..L and n = 1..L+1-l (x_{L+1} is the
// last layer's output). Row l-1, column n-1 holds d(l, l+n); row l has L+1-l entries.
struct AngularDistanceMatrix {
  std::vector<std::vector<double>> token_mean;  // averaged over every token of every window
  std::vector<std::vector<double>> last_token;  // last token of each window (the official
                                                // code's mode), averaged over windows
};

struct LayerStatsResult {
  std::vector<LayerStats> layers;  // 1..L
  AngularDistanceMatrix angular;
  std::int64_t tokens = 0;         // tokens forwarded
  std::int64_t windows = 0;
  std::int64_t groups = 0;         // window groups held in memory one after another
  std::int64_t memory_estimate_bytes = 0;
  // The first layer whose output holds NaN or Inf (its statistics are NaN/Inf, never
  // numbers made up); 0 when every statistic is finite.
  std::int64_t first_non_finite_layer = 0;
};

struct LayerStatsOptions {
  std::int64_t n_ctx = 256;        // window length; the last, shorter window is kept if >= 2 tokens
  std::int64_t max_tokens = 0;     // > 0: use only the first max_tokens ids
  bool logit_lens = true;          // decode every layer's output through the head
  bool angular = true;             // angular-distance matrix (keeps x_1..x_{L+1} of a window group)
  std::int64_t memory_budget_bytes = 0;  // 0: 70% of physical memory
};

// How a request will run, known before it runs: the windows are processed in groups small
// enough that the estimate stays within the budget (statistics are summed across groups, so
// the results do not depend on the grouping). Throws UsageError with the estimate and a
// --ctx that would fit when even one window exceeds the budget.
struct LayerStatsPlan {
  std::int64_t tokens = 0;
  std::int64_t windows = 0;
  std::int64_t group_windows = 0;  // windows held at once
  std::int64_t memory_estimate_bytes = 0;
};
LayerStatsPlan plan_layer_statistics(const ModelConfig& config, std::int64_t tokens,
                                     const LayerStatsOptions& options);

// Runs the model layer by layer over every window of a group (all windows through layer 1,
// then layer 2, ...), so with one group (the usual case) each layer's statistics are final
// as soon as that layer is done: on_layer is called then, in layer order, on the calling
// thread. With several groups on_layer is called during the last one. Checks cancel before every block call
// and reports progress per (layer, window). Deterministic.
LayerStatsResult layer_statistics(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                  const LayerStatsOptions& options = {},
                                  const RunControl& control = RunControl(),
                                  const std::function<void(const LayerStats&)>& on_layer = {});

}  // namespace depthscope
