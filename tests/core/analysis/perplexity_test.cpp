#include "core/analysis/perplexity.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/analysis/formulas.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "tests/core/analysis/analysis_test_models.h"

namespace depthscope {
namespace {

TEST(Perplexity, UniformLogitsGiveTheVocabularySize) {
  Transformer model = test::small_random_model(3);
  model.mutable_weights().lm_head = at::zeros_like(model.weights().lm_head);  // logits all 0
  PerplexityOptions o;
  o.n_ctx = 16;
  const PerplexityResult r = perplexity(model, test::test_tokens(50), o);
  EXPECT_NEAR(r.ppl, 32.0, 1e-9);
  EXPECT_NEAR(r.loss, std::log(32.0), 1e-12);
  EXPECT_DOUBLE_EQ(r.ppl_error, 0.0);
  EXPECT_EQ(r.windows, 3);                  // 50 / 16, tail of 2 dropped
  EXPECT_EQ(r.tokens_scored, 3 * (16 - 1 - 8));
}

TEST(Perplexity, WindowsFollowLlamaCpp) {
  PerplexityOptions o;
  o.n_ctx = 10;
  const auto w = perplexity_windows(35, o);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[2].start, 20);
  EXPECT_EQ(w[0].score_begin, 5);  // first = n_ctx / 2
  EXPECT_EQ(w[0].score_end, 9);    // positions 5..8 predict tokens 6..9
  o.stride = 4;                    // ceil((35 - 10) / 4) = 7 windows scoring the last 4 tokens
  const auto s = perplexity_windows(35, o);
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[6].start, 24);
  EXPECT_EQ(s[0].score_begin, 5);
  EXPECT_EQ(s[0].score_end, 9);
  EXPECT_THROW(perplexity_windows(9, PerplexityOptions{10, 0, -1}), UsageError);
  EXPECT_THROW(perplexity_windows(35, PerplexityOptions{10, 10, -1}), UsageError);
  EXPECT_THROW(perplexity_windows(35, PerplexityOptions{2, 0, -1}), UsageError);
}

TEST(Perplexity, RunningValuesErrorAndCallbackPerWindow) {
  const Transformer model = test::small_random_model(2);
  PerplexityOptions o;
  o.n_ctx = 12;
  std::vector<PerplexityWindow> seen;
  const PerplexityResult r =
      perplexity(model, test::test_tokens(60), o, RunControl(), [&](const PerplexityWindow& w) { seen.push_back(w); });
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.back().window, 5);
  EXPECT_EQ(seen.back().windows, 5);
  EXPECT_EQ(seen.back().tokens_scored, r.tokens_scored);
  EXPECT_DOUBLE_EQ(seen.back().running_ppl, r.ppl);
  EXPECT_DOUBLE_EQ(r.running_ppl.back(), r.ppl);
  // running value after window 1 is that window's own perplexity
  EXPECT_NEAR(seen[0].running_ppl, std::exp(seen[0].window_nll), 1e-12);
  EXPECT_GT(r.ppl_error, 0.0);
  EXPECT_LT(r.ppl_error, r.ppl);
  EXPECT_GT(r.ppl, 1.0);
  // Deterministic.
  EXPECT_EQ(perplexity(model, test::test_tokens(60), o).ppl, r.ppl);
}

TEST(Perplexity, BosReplacesTheFirstTokenOfEachWindow) {
  const Transformer model = test::small_random_model(2);
  std::vector<std::int64_t> a = test::test_tokens(24), b = a;
  b[0] = 1;
  b[12] = 1;
  PerplexityOptions o;
  o.n_ctx = 12;
  const double plain = perplexity(model, b, o).ppl;
  o.bos_id = 1;
  EXPECT_EQ(perplexity(model, a, o).ppl, plain);
}

// lm-eval users see results move with the batch size. Here each window is scored as its own
// [1, n_ctx] row, so a window's NLL is bit for bit the same whether it is evaluated with four
// others or alone: there is no batch size to change the result.
TEST(Perplexity, EachWindowScoresTheSameAloneAsInTheSet) {
  const Transformer model = test::small_random_model(2);
  PerplexityOptions o;
  o.n_ctx = 12;
  const std::vector<std::int64_t> tokens = test::test_tokens(60);
  std::vector<double> in_set;
  perplexity(model, tokens, o, RunControl(), [&](const PerplexityWindow& w) { in_set.push_back(w.window_nll); });
  const auto windows = perplexity_windows(static_cast<std::int64_t>(tokens.size()), o);
  ASSERT_EQ(in_set.size(), windows.size());
  for (std::size_t k = 0; k < windows.size(); ++k) {
    const std::vector<std::int64_t> alone(tokens.begin() + windows[k].start, tokens.begin() + windows[k].start + o.n_ctx);
    double nll = 0;
    perplexity(model, alone, o, RunControl(), [&](const PerplexityWindow& w) { nll = w.window_nll; });
    EXPECT_EQ(nll, in_set[k]) << "window " << k + 1;
  }
}

}  // namespace
}  // namespace depthscope
