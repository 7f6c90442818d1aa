#include "core/analysis/layer_removal.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/memory_estimate.h"
#include "core/analysis/multiple_choice_set.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace {

using analysis::NllSums;
using analysis::PassMeter;
using analysis::ScoredBatch;
using analysis::States;

// The text windows followed by the multiple-choice batches.
struct EvalSet {
  std::vector<ScoredBatch> batches;
  std::size_t text_batches = 0;
  const std::vector<MultipleChoiceItem>* items = nullptr;
};

// Tokens the windows of the sweep hold (the multiple-choice rows are small beside them).
std::int64_t window_tokens(std::int64_t tokens, const PerplexityOptions& w) {
  if (tokens < w.n_ctx || w.n_ctx < 1) return 0;
  return static_cast<std::int64_t>(perplexity_windows(tokens, w).size()) * w.n_ctx;
}

EvalSet build_set(const Transformer& model, const std::vector<std::int64_t>& tokens,
                  const RemovalOptions& o, bool greedy) {
  check_tokens_fit(model.config(), tokens, o.windows.n_ctx);
  check_removal_memory(model.config(), static_cast<std::int64_t>(tokens.size()), o, greedy);
  EvalSet s;
  s.batches = analysis::perplexity_set(tokens, o.windows);
  s.text_batches = s.batches.size();
  if (!o.choices.empty()) {
    std::vector<ScoredBatch> mc = analysis::multiple_choice_set(o.choices);
    s.batches.insert(s.batches.end(), mc.begin(), mc.end());
    s.items = &o.choices;
  }
  return s;
}

RemovalScore score(const Transformer& model, const States& final_states, const EvalSet& set) {
  const std::vector<std::vector<NllSums>> rows = analysis::score_rows(model, final_states, set.batches);
  RemovalScore r;
  r.loss = analysis::total(rows, 0, set.text_batches).mean();
  r.ppl = formulas::perplexity_from_nll(r.loss);
  if (set.items) r.accuracy = analysis::multiple_choice_score(*set.items, rows, set.text_batches).accuracy;
  return r;
}

// The full model, keeping the input of every layer (cache[l-1]) and the output (cache[L]).
RemovalScore baseline(const Transformer& model, const EvalSet& set, PassMeter& meter,
                      std::vector<States>& cache) {
  cache.assign(static_cast<std::size_t>(model.num_layers()) + 1, States{});
  const States out = analysis::run_layers(model, 1, analysis::embed_all(model, set.batches), {}, meter, &cache);
  return score(model, out, set);
}

// Runs the configuration that bypasses `skip`, resuming at layer `from` from the cached
// input `x_from` (cached) or from the embeddings (naive).
RemovalScore run_config(const Transformer& model, const EvalSet& set, const std::set<std::int64_t>& skip,
                        std::int64_t from, const States* x_from, PassMeter& meter,
                        std::vector<States>* cache_out = nullptr) {
  const States out = x_from ? analysis::run_layers(model, from, *x_from, skip, meter, cache_out)
                            : analysis::run_layers(model, 1, analysis::embed_all(model, set.batches),
                                                   skip, meter, cache_out);
  return score(model, out, set);
}

void fill_deltas(const RemovalScore& base, const RemovalScore& s, double& dloss, double& dppl) {
  dloss = s.loss - base.loss;
  dppl = s.ppl - base.ppl;
}

}  // namespace

LayerRemovalSweep layer_removal_sweep(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                      const RemovalOptions& options, const RunControl& control,
                                      const std::function<void(const LayerRemovalEntry&)>& on_layer) {
  const std::int64_t L = model.num_layers();
  at::NoGradGuard no_grad;
  const EvalSet set = build_set(model, tokens, options, /*greedy=*/false);
  const double total = options.cached ? static_cast<double>(L * (L + 1) / 2) : static_cast<double>(L * L);
  PassMeter meter(control, total, options.cached ? "removal sweep" : "removal sweep (naive)");

  LayerRemovalSweep sweep;
  std::vector<States> cache;
  sweep.baseline = baseline(model, set, meter, cache);
  for (std::int64_t k = 1; k <= L; ++k) {
    LayerRemovalEntry e;
    e.layer = k;
    e.score = options.cached ? run_config(model, set, {k}, k, &cache[k - 1], meter)
                             : run_config(model, set, {k}, 1, nullptr, meter);
    fill_deltas(sweep.baseline, e.score, e.delta_loss, e.delta_ppl);
    e.delta_accuracy = e.score.accuracy - sweep.baseline.accuracy;
    sweep.layers.push_back(e);
    if (on_layer) on_layer(e);
  }
  sweep.layer_passes = meter.passes();
  sweep.memory_estimate_bytes = removal_memory_estimate(model.config(), static_cast<std::int64_t>(tokens.size()), options, false);
  return sweep;
}

BlockRemovalSweep block_removal_sweep(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                      const RemovalOptions& options, std::int64_t max_block,
                                      const RunControl& control,
                                      const std::function<void(const BlockRemovalEntry&)>& on_block) {
  const std::int64_t L = model.num_layers();
  if (max_block < 1 || max_block > L)
    throw UsageError("block removal: the block length must be between 1 and the " + std::to_string(L) +
                     " layers (got " + std::to_string(max_block) + ")");
  at::NoGradGuard no_grad;
  const EvalSet set = build_set(model, tokens, options, /*greedy=*/false);
  double total = static_cast<double>(L);
  for (std::int64_t n = 1; n <= max_block; ++n)
    for (std::int64_t s = 1; s + n - 1 <= L; ++s) total += static_cast<double>(L - (s + n - 1));
  PassMeter meter(control, total, "block removal");

  BlockRemovalSweep sweep;
  std::vector<States> cache;
  sweep.baseline = baseline(model, set, meter, cache);
  for (std::int64_t n = 1; n <= max_block; ++n)
    for (std::int64_t s = 1; s + n - 1 <= L; ++s) {
      std::set<std::int64_t> skip;
      for (std::int64_t l = s; l < s + n; ++l) skip.insert(l);
      BlockRemovalEntry e;
      e.start = s;
      e.n = n;
      e.score = run_config(model, set, skip, s, &cache[s - 1], meter);
      fill_deltas(sweep.baseline, e.score, e.delta_loss, e.delta_ppl);
      sweep.blocks.push_back(e);
      if (on_block) on_block(e);
    }
  sweep.layer_passes = meter.passes();
  sweep.memory_estimate_bytes = removal_memory_estimate(model.config(), static_cast<std::int64_t>(tokens.size()), options, false);
  return sweep;
}

std::int64_t removal_memory_estimate(const ModelConfig& config, std::int64_t tokens,
                                     const RemovalOptions& options, bool greedy) {
  return layer_removal_memory(config, window_tokens(tokens, options.windows), options.windows.n_ctx, greedy);
}

void check_removal_memory(const ModelConfig& config, std::int64_t n, const RemovalOptions& o, bool greedy) {
  const std::int64_t need = removal_memory_estimate(config, n, o, greedy);
  const std::int64_t budget = o.memory_budget_bytes > 0 ? o.memory_budget_bytes : default_memory_budget_bytes();
  if (need <= budget) return;
  std::int64_t fit = n;  // the largest token count whose estimate fits, halving
  while (fit > o.windows.n_ctx && removal_memory_estimate(config, fit, o, greedy) > budget) fit /= 2;
  const bool fits = fit >= o.windows.n_ctx && removal_memory_estimate(config, fit, o, greedy) <= budget;
  check_memory_budget(std::string(greedy ? "the greedy pruning curve" : "the removal sweep") + " over " +
                          std::to_string(n) + " tokens",
                      need, budget,
                      fits ? "--max-tokens " + std::to_string(fit) + " would fit"
                           : "a shorter --ctx or a larger --memory-budget is needed");
}

namespace {
// Loss order for the greedy search: lower first, NaN last, so a configuration whose loss
// is NaN (an overflowed stream) is never chosen over one with a number.
bool ranks_before(double loss, double best_loss) {
  if (std::isnan(loss)) return false;
  return std::isnan(best_loss) || loss < best_loss;
}
}  // namespace

PruningCurve greedy_pruning_curve(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                  const RemovalOptions& options, std::int64_t max_removed,
                                  const RunControl& control,
                                  const std::function<void(const PruningStep&)>& on_step) {
  const std::int64_t L = model.num_layers();
  if (max_removed <= 0 || max_removed > L - 1) max_removed = L - 1;
  at::NoGradGuard no_grad;
  const EvalSet set = build_set(model, tokens, options, /*greedy=*/true);
  // With k layers removed, the L - k candidates resume at their own layer: at most
  // (L-k)(L-k-1)/2 passes per step (fewer when removed layers follow a candidate).
  double total = static_cast<double>(L);
  for (std::int64_t k = 0; k < max_removed; ++k) total += static_cast<double>((L - k) * (L - k - 1) / 2);
  PassMeter meter(control, total, "greedy pruning");

  PruningCurve curve;
  std::vector<States> cache;  // inputs of every layer for the current (pruned) model
  PruningStep step;
  step.score = baseline(model, set, meter, cache);
  curve.steps.push_back(step);
  if (on_step) on_step(step);

  std::set<std::int64_t> removed;
  for (std::int64_t k = 1; k <= max_removed; ++k) {
    std::int64_t best_layer = 0;
    RemovalScore best;
    std::vector<States> best_cache;
    for (std::int64_t c = 1; c <= L; ++c) {
      if (removed.count(c)) continue;
      std::set<std::int64_t> skip = removed;
      skip.insert(c);
      std::vector<States> trial = cache;  // layers < c are unchanged; run_layers fills the rest
      const RemovalScore s = run_config(model, set, skip, c, &cache[c - 1], meter, &trial);
      if (best_layer == 0 || ranks_before(s.loss, best.loss)) {
        best_layer = c;
        best = s;
        best_cache = std::move(trial);
      }
    }
    removed.insert(best_layer);
    cache = std::move(best_cache);
    PruningStep st;
    st.removed_count = k;
    st.layer = best_layer;
    st.removed.assign(removed.begin(), removed.end());
    st.score = best;
    curve.steps.push_back(st);
    if (on_step) on_step(st);
  }
  curve.layer_passes = meter.passes();
  curve.memory_estimate_bytes = removal_memory_estimate(model.config(), static_cast<std::int64_t>(tokens.size()), options, true);
  return curve;
}

}  // namespace depthscope
