// The example models committed under resources/examples (issue 10): small F16 HF folders, and
// on the Inspect tab's default evaluation (first 4096 tokens of the default text, windows of
// min(256, context) = 128) Pre-LN's residual variance grows more from the first layer to the
// last than LNS's does: last/first ratio Pre-LN > LNS.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_stats.h"
#include "core/io/checkpoint.h"
#include "core/session/model_session.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

// <source>/resources/examples: this file is <source>/tests/core/analysis/example_models_test.cpp.
fs::path examples_dir() { return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "resources" / "examples"; }

double last_over_first_variance(const std::string& folder, std::int64_t* layers) {
  const auto session = ModelSession::open(folder, RunControl());
  EvalSetOptions eo;
  eo.max_tokens = 4096;
  eo.n_ctx = std::min<std::int64_t>(256, session->config().max_position);
  const EvalSet set = session->evaluation_set("", eo);
  LayerStatsOptions so;
  so.n_ctx = set.windows.n_ctx;
  so.logit_lens = false;
  so.angular = false;
  const LayerStatsResult r = layer_statistics(session->model(), set.tokens, so);
  *layers = static_cast<std::int64_t>(r.layers.size());
  return r.layers.back().output_variance / r.layers.front().output_variance;
}

TEST(ExampleModels, AreSmallF16HfFolders) {
  for (const char* name : {"pre-ln", "lns"}) {
    const fs::path dir = examples_dir() / name;
    ASSERT_TRUE(fs::exists(dir / "config.json")) << dir;
    ASSERT_TRUE(fs::exists(dir / "model.safetensors")) << dir;
    EXPECT_LE(fs::file_size(dir / "model.safetensors"), 8u * 1024 * 1024) << dir;
    const LoadedCheckpoint ck = load_checkpoint(dir.string());
    EXPECT_EQ(ck.source_dtype, "F16") << dir;
    EXPECT_EQ(ck.config.num_layers, 24) << dir;
    EXPECT_EQ(ck.config.hidden_size, 96) << dir;
    EXPECT_EQ(ck.config.vocab_size, 256) << dir;
    EXPECT_EQ(ck.config.norm_scheme, std::string(name) == "lns" ? NormScheme::lns : NormScheme::pre) << dir;
  }
}

TEST(ExampleModels, PreLnGrowsMoreFromFirstToLastLayerThanLns) {
  std::int64_t lp = 0, ll = 0;
  const double pre = last_over_first_variance((examples_dir() / "pre-ln").string(), &lp);
  const double lns = last_over_first_variance((examples_dir() / "lns").string(), &ll);
  EXPECT_EQ(lp, 24);
  EXPECT_EQ(ll, 24);
  EXPECT_GT(pre, lns) << "last/first residual variance: Pre-LN " << pre << ", LNS " << lns;
  RecordProperty("pre_ln_ratio", std::to_string(pre));
  RecordProperty("lns_ratio", std::to_string(lns));
}

}  // namespace
}  // namespace depthscope
