#include "core/analysis/layer_removal.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include "core/runtime/parallel.h"
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

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
  if (set.items) {
    const MultipleChoiceResult mc = analysis::multiple_choice_score(*set.items, rows, set.text_batches);
    r.accuracy = mc.acc;
    r.acc_norm = mc.acc_norm;
    r.acc_stderr = mc.acc_stderr;
    r.acc_norm_stderr = mc.acc_norm_stderr;
  }
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

// Runs the n configurations run(i, meter) that follow a cached prefix and calls emit(i) for
// i = 0..n-1 in order on the calling thread, each as soon as it and those before it are done.
// With more than one tensor thread the configurations are independent work items spread over
// the threads (heaviest first by `cost`, the next free thread taking the next item), each run
// on one thread with single-threaded ops inside (nested ATen and OpenBLAS parallelism is off
// inside a parallel region): a 2-core machine is fully used even when single ops are too
// small to parallelise well. The row chunks of every op are those of the sequential run, so
// the numbers are identical to it. Progress goes through the shared meter under a lock;
// cancel is checked before every configuration and after every layer pass.
template <class Run, class Emit>
void for_each_config(std::int64_t n, const std::vector<double>& cost, bool parallel, PassMeter& meter, const Run& run,
                     const Emit& emit) {
  const std::int64_t workers = parallel ? std::min<std::int64_t>(at::get_num_threads(), n) : 1;
  if (workers <= 1 || at::in_parallel_region()) {
    for (std::int64_t i = 0; i < n; ++i) {
      run(i, meter);
      emit(i);
    }
    return;
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));  // heaviest first, then index order
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return cost[a] > cost[b]; });
  std::mutex mu;
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::vector<char> done(static_cast<std::size_t>(n), 0);
  std::int64_t emitted = 0;
  const RunControl& control = meter.control();
  const std::thread::id caller = std::this_thread::get_id();
  // Emits the finished configurations in index order (calling thread only). A cancel seen
  // here (the callback itself may have asked for it) stops the sweep before the next entry,
  // as in the sequential loop, even when the other threads have finished later ones.
  auto flush = [&] {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (failed || emitted >= n || !done[static_cast<std::size_t>(emitted)]) return;
      }
      try {
        control.check_cancel();
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
      emit(emitted++);
    }
  };
  parallel_for(0, workers, 1, [&](std::int64_t, std::int64_t) {
    c10::InferenceMode inference;  // grad mode is per thread
    const RunControl local(
        [&](const Progress&) {
          std::lock_guard<std::mutex> lock(mu);
          meter.pass_done();
          control.check_cancel();
        },
        nullptr);
    PassMeter local_meter(local, 0, "");
    for (;;) {
      const std::int64_t k = next++;
      if (k >= n || failed) break;
      const std::int64_t i = order[static_cast<std::size_t>(k)];
      try {
        control.check_cancel();
        run(i, local_meter);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        failed = true;
        break;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        done[static_cast<std::size_t>(i)] = 1;
      }
      if (std::this_thread::get_id() == caller) flush();
    }
  });
  if (!error) flush();
  if (error) std::rethrow_exception(error);
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
  c10::InferenceMode inference;
  const EvalSet set = build_set(model, tokens, options, /*greedy=*/false);
  const double total = options.cached ? removal_sweep_passes(L) : static_cast<double>(L * L);
  PassMeter meter(control, total, options.cached ? "removal sweep" : "removal sweep (naive)");

  LayerRemovalSweep sweep;
  std::vector<States> cache;
  sweep.baseline = baseline(model, set, meter, cache);
  sweep.layers.resize(static_cast<std::size_t>(L));
  std::vector<double> cost(static_cast<std::size_t>(L));
  for (std::int64_t k = 1; k <= L; ++k) cost[k - 1] = static_cast<double>(options.cached ? L - k : L - 1);
  for_each_config(
      L, cost, options.parallel, meter,
      [&](std::int64_t i, PassMeter& m) {
        const std::int64_t k = i + 1;
        LayerRemovalEntry& e = sweep.layers[static_cast<std::size_t>(i)];
        e.layer = k;
        e.score = options.cached ? run_config(model, set, {k}, k, &cache[k - 1], m)
                                 : run_config(model, set, {k}, 1, nullptr, m);
        fill_deltas(sweep.baseline, e.score, e.delta_loss, e.delta_ppl);
        e.delta_accuracy = e.score.accuracy - sweep.baseline.accuracy;
        e.delta_acc_norm = e.score.acc_norm - sweep.baseline.acc_norm;
      },
      [&](std::int64_t i) {
        if (on_layer) on_layer(sweep.layers[static_cast<std::size_t>(i)]);
      });
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
  c10::InferenceMode inference;
  const EvalSet set = build_set(model, tokens, options, /*greedy=*/false);
  double total = static_cast<double>(L);
  std::vector<double> cost;
  for (std::int64_t n = 1; n <= max_block; ++n)
    for (std::int64_t s = 1; s + n - 1 <= L; ++s) {
      cost.push_back(static_cast<double>(L - (s + n - 1)));  // passes of this configuration
      total += cost.back();
    }
  PassMeter meter(control, total, "block removal");

  BlockRemovalSweep sweep;
  for (std::int64_t n = 1; n <= max_block; ++n)
    for (std::int64_t s = 1; s + n - 1 <= L; ++s) {
      BlockRemovalEntry e;
      e.start = s;
      e.n = n;
      sweep.blocks.push_back(e);
    }
  std::vector<States> cache;
  sweep.baseline = baseline(model, set, meter, cache);
  for_each_config(
      static_cast<std::int64_t>(sweep.blocks.size()), cost, options.parallel, meter,
      [&](std::int64_t i, PassMeter& m) {
        BlockRemovalEntry& e = sweep.blocks[static_cast<std::size_t>(i)];
        std::set<std::int64_t> skip;
        for (std::int64_t l = e.start; l < e.start + e.n; ++l) skip.insert(l);
        e.score = run_config(model, set, skip, e.start, &cache[e.start - 1], m);
        fill_deltas(sweep.baseline, e.score, e.delta_loss, e.delta_ppl);
      },
      [&](std::int64_t i) {
        if (on_block) on_block(sweep.blocks[static_cast<std::size_t>(i)]);
      });
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

double removal_sweep_passes(std::int64_t layers) { return static_cast<double>(layers * (layers + 1) / 2); }

double greedy_pruning_passes(std::int64_t layers, std::int64_t max_removed) {
  const std::int64_t L = layers;
  if (max_removed <= 0 || max_removed > L - 1) max_removed = L - 1;
  // The baseline, then with k layers removed the L - k candidates resume at their own layer:
  // at most (L-k)(L-k-1)/2 passes per step (fewer when removed layers follow a candidate).
  double total = static_cast<double>(L);
  for (std::int64_t k = 0; k < max_removed; ++k) total += static_cast<double>((L - k) * (L - k - 1) / 2);
  return total;
}

PruningCurve greedy_pruning_curve(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                  const RemovalOptions& options, std::int64_t max_removed,
                                  const RunControl& control,
                                  const std::function<void(const PruningStep&)>& on_step) {
  const std::int64_t L = model.num_layers();
  if (max_removed <= 0 || max_removed > L - 1) max_removed = L - 1;
  at::NoGradGuard no_grad;
  const EvalSet set = build_set(model, tokens, options, /*greedy=*/true);
  PassMeter meter(control, greedy_pruning_passes(L, max_removed), "greedy pruning");

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
