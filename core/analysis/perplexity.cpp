#include "core/analysis/perplexity.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <string>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/transformer.h"

namespace depthscope {

std::vector<PerplexityWindowSpec> perplexity_windows(std::int64_t n_tokens,
                                                     const PerplexityOptions& o) {
  if (o.n_ctx < 3)
    throw UsageError("perplexity: the context must be at least 3 tokens (got " +
                     std::to_string(o.n_ctx) + ")");
  if (o.stride < 0 || o.stride >= o.n_ctx)
    throw UsageError("perplexity: the stride must be between 1 and n_ctx - 1 = " +
                     std::to_string(o.n_ctx - 1) + ", or 0 for non-overlapping windows (got " +
                     std::to_string(o.stride) + ")");
  if (n_tokens < o.n_ctx)
    throw UsageError("perplexity: " + std::to_string(n_tokens) +
                     " tokens is fewer than one window of " + std::to_string(o.n_ctx) +
                     " (lower the context, e.g. --ctx " + std::to_string(n_tokens) + ")");
  std::vector<PerplexityWindowSpec> w;
  if (o.stride == 0) {
    const std::int64_t n_chunk = n_tokens / o.n_ctx;
    for (std::int64_t i = 0; i < n_chunk; ++i)
      w.push_back({i * o.n_ctx, o.n_ctx / 2, o.n_ctx - 1});
  } else {
    // llama.cpp perplexity_v2: ceil((N - n_ctx) / s) windows, each scoring its last s tokens;
    // at least one window when N == n_ctx.
    const std::int64_t n_chunk =
        std::max<std::int64_t>(1, (n_tokens - o.n_ctx + o.stride - 1) / o.stride);
    for (std::int64_t i = 0; i < n_chunk; ++i)
      w.push_back({i * o.stride, o.n_ctx - o.stride - 1, o.n_ctx - 1});
  }
  return w;
}

namespace analysis {

std::vector<ScoredBatch> perplexity_set(const std::vector<std::int64_t>& tokens,
                                        const PerplexityOptions& options) {
  std::vector<ScoredBatch> set;
  for (const PerplexityWindowSpec& w : perplexity_windows(static_cast<std::int64_t>(tokens.size()), options)) {
    at::Tensor row = token_row(tokens, w.start, options.n_ctx);  // [1, n_ctx]
    if (options.bos_id >= 0) row[0][0] = options.bos_id;
    set.push_back(ScoredBatch{row, w.score_begin, w.score_end});
  }
  return set;
}

}  // namespace analysis

PerplexityResult perplexity(const Transformer& model, const std::vector<std::int64_t>& tokens,
                            const PerplexityOptions& options, const RunControl& control,
                            const std::function<void(const PerplexityWindow&)>& on_window) {
  at::NoGradGuard no_grad;
  check_tokens_fit(model.config(), tokens, options.n_ctx);
  const std::vector<analysis::ScoredBatch> set = analysis::perplexity_set(tokens, options);
  const std::int64_t L = model.num_layers();
  PerplexityResult r;
  r.windows = static_cast<std::int64_t>(set.size());
  analysis::NllSums all;
  for (std::size_t w = 0; w < set.size(); ++w) {
    control.check_cancel();
    const std::vector<analysis::ScoredBatch> one{set[w]};
    // Progress is reported per window, not per layer pass.
    RunControl quiet;
    analysis::PassMeter meter(quiet, static_cast<double>(L), "perplexity");
    const analysis::States out = analysis::run_layers(model, 1, analysis::embed_all(model, one), {}, meter);
    const analysis::NllSums s = analysis::total(analysis::score_rows(model, out, one), 0, 1);
    all.add(s);
    r.running_ppl.push_back(formulas::perplexity_from_nll(all.mean()));
    control.report(static_cast<double>(w + 1), static_cast<double>(set.size()),
                   "window " + std::to_string(w + 1) + "/" + std::to_string(set.size()));
    if (on_window)
      on_window(PerplexityWindow{static_cast<std::int64_t>(w + 1), r.windows, s.mean(),
                                 r.running_ppl.back(), static_cast<std::int64_t>(all.count)});
  }
  r.loss = all.mean();
  r.ppl = formulas::perplexity_from_nll(r.loss);
  r.ppl_error = formulas::perplexity_uncertainty(all.sum, all.sum_sq, all.count);
  r.tokens_scored = static_cast<std::int64_t>(all.count);
  return r;
}

}  // namespace depthscope
