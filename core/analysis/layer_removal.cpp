#include "core/analysis/layer_removal.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <set>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/multiple_choice_set.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/transformer.h"

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

EvalSet build_set(const Transformer& model, const std::vector<std::int64_t>& tokens,
                  const RemovalOptions& o) {
  analysis::check_tokens_fit(model, tokens, o.windows.n_ctx);
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
  const EvalSet set = build_set(model, tokens, options);
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
  const EvalSet set = build_set(model, tokens, options);
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
  return sweep;
}

PruningCurve greedy_pruning_curve(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                  const RemovalOptions& options, std::int64_t max_removed,
                                  const RunControl& control,
                                  const std::function<void(const PruningStep&)>& on_step) {
  const std::int64_t L = model.num_layers();
  if (max_removed <= 0 || max_removed > L - 1) max_removed = L - 1;
  at::NoGradGuard no_grad;
  const EvalSet set = build_set(model, tokens, options);
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
      if (best_layer == 0 || s.loss < best.loss) {
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
  return curve;
}

}  // namespace depthscope
