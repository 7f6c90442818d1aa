#include "core/analysis/layer_removal.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <functional>
#include <set>

#include "core/error.h"
#include "core/model/transformer.h"
#include "tests/core/analysis/analysis_test_models.h"

namespace depthscope {
namespace {

RemovalOptions text_options(std::int64_t n_ctx = 16) {
  RemovalOptions o;
  o.windows.n_ctx = n_ctx;
  return o;
}

TEST(LayerRemoval, CachedSweepEqualsNaiveSweepWithFewerPasses) {
  const Transformer model = test::small_random_model(5);
  const auto tokens = test::test_tokens(64);
  RemovalOptions o = text_options();
  const LayerRemovalSweep cached = layer_removal_sweep(model, tokens, o);
  o.cached = false;
  const LayerRemovalSweep naive = layer_removal_sweep(model, tokens, o);
  EXPECT_EQ(cached.layer_passes, 15);  // L(L+1)/2
  EXPECT_EQ(naive.layer_passes, 25);   // L^2
  EXPECT_EQ(cached.baseline.loss, naive.baseline.loss);
  ASSERT_EQ(cached.layers.size(), 5u);
  ASSERT_EQ(naive.layers.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(cached.layers[i].layer, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(cached.layers[i].score.loss, naive.layers[i].score.loss) << "layer " << i + 1;
    EXPECT_EQ(cached.layers[i].score.ppl, naive.layers[i].score.ppl);
    EXPECT_EQ(cached.layers[i].delta_ppl, naive.layers[i].delta_ppl);
    EXPECT_NE(cached.layers[i].delta_ppl, 0.0);  // every random layer matters a little
  }
  EXPECT_TRUE(std::isnan(cached.baseline.accuracy));
}

TEST(LayerRemoval, ParallelSweepsEqualTheSequentialOnesInOrderWithAllPasses) {
  // With two tensor threads the sweep that hands configurations to the threads
  // (RemovalOptions::parallel, the default) must give the numbers, the callback order, the
  // pass count and the final progress of the one that runs them one after another.
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  const Transformer model = test::small_random_model(6);
  const auto tokens = test::test_tokens(96);
  RemovalOptions o = text_options();
  std::vector<std::int64_t> seen_par, seen_seq;
  double last_done = 0, last_total = 0;
  const RunControl control([&](const Progress& p) { last_done = p.done, last_total = p.total; }, nullptr);
  const LayerRemovalSweep par =
      layer_removal_sweep(model, tokens, o, control, [&](const LayerRemovalEntry& e) { seen_par.push_back(e.layer); });
  o.parallel = false;
  const LayerRemovalSweep seq =
      layer_removal_sweep(model, tokens, o, RunControl(), [&](const LayerRemovalEntry& e) { seen_seq.push_back(e.layer); });
  EXPECT_EQ(par.layer_passes, 21);
  EXPECT_EQ(last_done, 21.0);
  EXPECT_EQ(last_total, 21.0);
  EXPECT_EQ(seen_par, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(seen_par, seen_seq);
  EXPECT_EQ(par.baseline.loss, seq.baseline.loss);
  ASSERT_EQ(par.layers.size(), seq.layers.size());
  for (size_t i = 0; i < par.layers.size(); ++i) {
    EXPECT_EQ(par.layers[i].layer, seq.layers[i].layer);
    EXPECT_EQ(par.layers[i].score.loss, seq.layers[i].score.loss) << "layer " << i + 1;
    EXPECT_EQ(par.layers[i].delta_ppl, seq.layers[i].delta_ppl);
  }
  o.parallel = true;
  const BlockRemovalSweep bpar = block_removal_sweep(model, tokens, o, 3);
  o.parallel = false;
  const BlockRemovalSweep bseq = block_removal_sweep(model, tokens, o, 3);
  ASSERT_EQ(bpar.blocks.size(), bseq.blocks.size());
  EXPECT_EQ(bpar.layer_passes, bseq.layer_passes);
  for (size_t i = 0; i < bpar.blocks.size(); ++i) {
    EXPECT_EQ(bpar.blocks[i].start, bseq.blocks[i].start);
    EXPECT_EQ(bpar.blocks[i].n, bseq.blocks[i].n);
    EXPECT_EQ(bpar.blocks[i].score.loss, bseq.blocks[i].score.loss) << "block " << i;
  }
  at::set_num_threads(saved);
}

TEST(LayerRemoval, CancelDuringAParallelSweepThrowsCancelled) {
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  const Transformer model = test::small_random_model(6);
  std::atomic<bool> cancel{false};
  int reports = 0;
  const RunControl control([&](const Progress&) { if (++reports == 8) cancel = true; }, &cancel);
  EXPECT_THROW(layer_removal_sweep(model, test::test_tokens(96), text_options(), control), Cancelled);
  EXPECT_LT(reports, 21);
  at::set_num_threads(saved);
}

TEST(LayerRemoval, BaselineEqualsPerplexity) {
  const Transformer model = test::small_random_model(3);
  const auto tokens = test::test_tokens(64);
  const RemovalOptions o = text_options();
  const LayerRemovalSweep s = layer_removal_sweep(model, tokens, o);
  const PerplexityResult p = perplexity(model, tokens, o.windows);
  EXPECT_NEAR(s.baseline.ppl, p.ppl, 1e-9 * p.ppl);
  EXPECT_NEAR(s.baseline.loss, p.loss, 1e-12);
}

TEST(LayerRemoval, BypassingALayerWithZeroOutputProjectionsChangesNothing) {
  Transformer model = test::small_random_model(4);
  test::zero_output_projections(model, 3);
  const auto tokens = test::test_tokens(48);
  const LayerRemovalSweep s = layer_removal_sweep(model, tokens, text_options());
  EXPECT_EQ(s.layers[2].score.loss, s.baseline.loss);
  EXPECT_EQ(s.layers[2].delta_ppl, 0.0);
  EXPECT_NE(s.layers[1].delta_ppl, 0.0);
  // Also through Transformer::forward's skip set.
  const at::Tensor t = at::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.begin() + 16)).view({1, 16});
  EXPECT_TRUE(at::equal(model.forward(t), model.forward(t, nullptr, {3})));
}

// A sweep whose entry callback asks to cancel once it has seen layer 2: it must throw
// Cancelled. Returns the layers the callback saw.
std::vector<std::int64_t> layers_seen_when_cancelled_at_2(const Transformer& model,
                                                         const std::function<void(const Progress&)>& on_progress) {
  std::atomic<bool> cancel{false};
  RunControl control(on_progress, &cancel);
  std::vector<std::int64_t> seen;
  EXPECT_THROW(layer_removal_sweep(model, test::test_tokens(48), text_options(), control,
                                   [&](const LayerRemovalEntry& e) {
                                     seen.push_back(e.layer);
                                     if (e.layer == 2) cancel = true;
                                   }),
               Cancelled);
  return seen;
}

TEST(LayerRemoval, CancelMidSweepThrowsAndTheCallbackSawAPrefix) {
  const Transformer model = test::small_random_model(5);
  std::vector<Progress> progress;
  EXPECT_EQ(layers_seen_when_cancelled_at_2(model, [&](const Progress& p) { progress.push_back(p); }),
            (std::vector<std::int64_t>{1, 2}));
  // Progress: one report per layer pass, total L(L+1)/2, ETA known after the first.
  ASSERT_GE(progress.size(), 5u + 4u + 3u);
  EXPECT_DOUBLE_EQ(progress.front().total, 15.0);
  EXPECT_DOUBLE_EQ(progress.front().done, 1.0);
  for (const Progress& p : progress) EXPECT_GE(p.eta_s, 0.0);
  EXPECT_NE(progress.back().stage.find("layer pass"), std::string::npos);
}

// With two threads the other configurations may all be finished when the callback asks to
// cancel: no later entry may reach the callback, and the sweep still throws Cancelled.
TEST(LayerRemoval, CancelMidParallelSweepStopsAfterTheCallbackThatAskedForIt) {
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  const Transformer model = test::small_random_model(5);
  for (int attempt = 0; attempt < 20; ++attempt)
    EXPECT_EQ(layers_seen_when_cancelled_at_2(model, nullptr), (std::vector<std::int64_t>{1, 2})) << "attempt " << attempt;
  at::set_num_threads(saved);
}

TEST(LayerRemoval, ProgressEndsAtTotalWithZeroEta) {
  const Transformer model = test::small_random_model(3);
  std::vector<Progress> progress;
  RunControl control([&](const Progress& p) { progress.push_back(p); }, nullptr);
  layer_removal_sweep(model, test::test_tokens(32), text_options(), control);
  ASSERT_EQ(progress.size(), 6u);
  EXPECT_DOUBLE_EQ(progress.back().done, 6.0);
  EXPECT_DOUBLE_EQ(progress.back().eta_s, 0.0);
}

TEST(LayerRemoval, BlockSweepSizeOneEqualsTheLayerSweep) {
  const Transformer model = test::small_random_model(4);
  const auto tokens = test::test_tokens(48);
  const LayerRemovalSweep single = layer_removal_sweep(model, tokens, text_options());
  const BlockRemovalSweep blocks = block_removal_sweep(model, tokens, text_options(), 2);
  ASSERT_EQ(blocks.blocks.size(), 4u + 3u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(blocks.blocks[i].n, 1);
    EXPECT_EQ(blocks.blocks[i].start, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(blocks.blocks[i].score.loss, single.layers[i].score.loss);
  }
  EXPECT_EQ(blocks.blocks[4].n, 2);
  EXPECT_EQ(blocks.blocks[6].start, 3);
  // passes: baseline 4, n=1: 3+2+1+0, n=2: 2+1+0
  EXPECT_EQ(blocks.layer_passes, 4 + 6 + 3);
  EXPECT_THROW(block_removal_sweep(model, tokens, text_options(), 5), UsageError);
}

// Loss with `removed` bypassed, computed independently: for Pre-LN, zero output projections
// make a block add exactly nothing, so the full forward of that copy is the pruned model.
double loss_with_zeroed(const Transformer& model, const std::vector<std::int64_t>& tokens,
                        const std::set<std::int64_t>& removed) {
  Transformer copy = model;
  for (std::int64_t l : removed) test::zero_output_projections(copy, l);
  return perplexity(copy, tokens, text_options().windows).loss;
}

TEST(LayerRemoval, GreedyPruningRemovesTheLeastHarmfulLayerEachStep) {
  const Transformer model = test::small_random_model(4);
  const auto tokens = test::test_tokens(48);
  std::vector<std::int64_t> steps_seen;
  const PruningCurve c = greedy_pruning_curve(model, tokens, text_options(), 0, RunControl(),
                                              [&](const PruningStep& s) { steps_seen.push_back(s.removed_count); });
  ASSERT_EQ(c.steps.size(), 4u);  // 0..3 layers removed
  EXPECT_EQ(steps_seen, (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(c.steps[3].removed.size(), 3u);
  std::set<std::int64_t> removed;
  for (size_t k = 1; k < c.steps.size(); ++k) {
    std::int64_t best = 0;
    double best_loss = 0;
    for (std::int64_t l = 1; l <= 4; ++l) {
      if (removed.count(l)) continue;
      std::set<std::int64_t> trial = removed;
      trial.insert(l);
      const double loss = loss_with_zeroed(model, tokens, trial);
      if (best == 0 || loss < best_loss) best = l, best_loss = loss;
    }
    EXPECT_EQ(c.steps[k].layer, best) << "step " << k;
    EXPECT_NEAR(c.steps[k].score.loss, best_loss, 1e-12) << "step " << k;
    removed.insert(best);
    EXPECT_EQ(c.steps[k].removed, std::vector<std::int64_t>(removed.begin(), removed.end()));
  }
  // Step 3 tries 2 candidates; the cache makes the curve cheaper than naive re-runs.
  EXPECT_LT(c.layer_passes, 4 + 4 * 4 + 3 * 4 + 2 * 4);
}

// Summed log-likelihood of `choice` after `context` (what lm-eval's acc compares), through
// Transformer::forward.
double forward_score(const Transformer& m, const std::vector<std::int64_t>& context,
                     const std::vector<std::int64_t>& choice, const std::set<std::int64_t>& skip) {
  std::vector<std::int64_t> ids = context;
  ids.insert(ids.end(), choice.begin(), choice.end());
  const at::Tensor t = at::tensor(ids).view({1, static_cast<std::int64_t>(ids.size())});
  const at::Tensor lp = at::log_softmax(m.forward(t, nullptr, skip).to(at::kDouble), -1);  // [1, T, V]
  double sum = 0;
  for (size_t i = 0; i < choice.size(); ++i)
    sum += lp[0][static_cast<std::int64_t>(context.size() + i - 1)][choice[i]].item<double>();
  return sum;
}

TEST(LayerRemoval, MultipleChoiceAccuracyPerConfigurationMatchesForward) {
  const Transformer model = test::small_random_model(3);
  MultipleChoiceItem a, b;
  a.context = {3, 4, 6};
  a.choices = {{5, 9}, {7}, {11, 12, 13}};
  b.context = {20};
  b.choices = {{1}, {2, 3}};
  // The right answer is the model's own pick for item a, and the pick it does NOT make for b,
  // so the full model scores exactly 1/2.
  auto pick = [&](const MultipleChoiceItem& it, const std::set<std::int64_t>& skip) {
    std::int64_t best = 0;
    for (size_t c = 1; c < it.choices.size(); ++c)
      if (forward_score(model, it.context, it.choices[c], skip) >
          forward_score(model, it.context, it.choices[best], skip))
        best = static_cast<std::int64_t>(c);
    return best;
  };
  a.answer = pick(a, {});
  b.answer = 1 - pick(b, {});
  RemovalOptions o = text_options();
  o.choices = {a, b};
  const LayerRemovalSweep s = layer_removal_sweep(model, test::test_tokens(32), o);
  EXPECT_DOUBLE_EQ(s.baseline.accuracy, 0.5);
  for (const auto& e : s.layers) {
    const double want = ((pick(a, {e.layer}) == a.answer) + (pick(b, {e.layer}) == b.answer)) / 2.0;
    EXPECT_DOUBLE_EQ(e.score.accuracy, want) << "layer " << e.layer;
    EXPECT_DOUBLE_EQ(e.delta_accuracy, want - 0.5);
  }
  EXPECT_DOUBLE_EQ(multiple_choice_accuracy(model, o.choices).acc, 0.5);
}

// Layer 2 overflows: every configuration that keeps it scores NaN, including the first
// candidate of the greedy search (removing layer 1). The search must pick layer 2.
TEST(LayerRemoval, GreedySearchNeverPrefersANaNLoss) {
  Transformer model = test::small_random_model(4);
  test::overflow_layer(model, 2);
  const PruningCurve curve = greedy_pruning_curve(model, test::test_tokens(64), text_options(), 1);
  ASSERT_EQ(curve.steps.size(), 2u);
  EXPECT_TRUE(std::isnan(curve.steps[0].score.loss));
  EXPECT_EQ(curve.steps[1].layer, 2);
  EXPECT_TRUE(std::isfinite(curve.steps[1].score.loss));
  const LayerRemovalSweep sweep = layer_removal_sweep(model, test::test_tokens(64), text_options());
  EXPECT_TRUE(std::isnan(sweep.layers[0].delta_ppl));  // NaN, never 0
  EXPECT_TRUE(std::isfinite(sweep.layers[1].score.ppl));
}

TEST(LayerRemoval, RefusesASweepBeyondTheMemoryBudgetNamingWhatWouldFit) {
  const Transformer model = test::small_random_model(4);
  RemovalOptions o = text_options();
  const auto tokens = test::test_tokens(512);
  const std::int64_t need = removal_memory_estimate(model.config(), 512, o, false);
  EXPECT_GT(need, removal_memory_estimate(model.config(), 128, o, false));
  EXPECT_GT(removal_memory_estimate(model.config(), 512, o, true), need);  // greedy keeps 3 caches
  o.memory_budget_bytes = removal_memory_estimate(model.config(), 128, o, false);
  try {
    layer_removal_sweep(model, tokens, o);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--max-tokens 128 would fit"), std::string::npos) << m;
  }
  o.memory_budget_bytes = need;
  EXPECT_EQ(layer_removal_sweep(model, tokens, o).memory_estimate_bytes, need);
}

}  // namespace
}  // namespace depthscope
