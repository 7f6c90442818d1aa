// The commands on Gemma 2 (../shared/data/families/gemma2-tiny-f32: sandwich norms, (1 + w),
// soft-capping, sliding windows): stats, logits, a removal sweep, convert round trips, and
// fine-tuning from a Gemma 2 checkpoint (train with "init"). Each run is a 4-layer, d 64 model.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "cli/run_cli.h"
#include "cli/tiny_corpus.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using depthscope::test::run_cli;
using depthscope::test::shared_data;

constexpr const char* kModel = "families/gemma2-tiny-f32";

std::string model_and_tokens() {
  return "\"" + shared_data(kModel) + "\" --tokens \"" + shared_data(std::string(kModel) + "/ref.tokens.txt") + "\"";
}

TEST(GemmaCli, StatsAndRemovalSweepRunOnGemma2) {
  DS_REQUIRE_SHARED(std::string(kModel) + "/config.json");
  const auto stats = run_cli("--threads 1 stats " + model_and_tokens() + " --json", true);
  ASSERT_EQ(stats.exit_code, 0) << run_cli("--threads 1 stats " + model_and_tokens()).output;
  const auto s = nlohmann::json::parse(stats.output);
  ASSERT_EQ(s.at("layers").size(), 4u);
  for (const auto& layer : s["layers"]) EXPECT_GT(layer.at("output_variance").get<double>(), 0.0);
  const auto sweep = run_cli("--threads 1 prune-sweep " + model_and_tokens() + " --json", true);
  ASSERT_EQ(sweep.exit_code, 0) << run_cli("--threads 1 prune-sweep " + model_and_tokens()).output;
  EXPECT_FALSE(nlohmann::json::parse(sweep.output).empty());
}

TEST(GemmaCli, ConvertKeepsTheLogitsAndLlama2cIsRefused) {
  DS_REQUIRE_SHARED(std::string(kModel) + "/config.json");
  const fs::path dir = depthscope::test::scratch_dir("gemma_cli_convert");
  const std::string src = shared_data(kModel);
  ASSERT_EQ(run_cli("convert " + src + " " + (dir / "hf").string() + " --to hf").exit_code, 0);
  const std::string args = " --tokens 2,17,255,40,41,42,43,44,45,46,47,48 --top-k 3 --json";
  const auto a = run_cli("logits " + src + args, true);
  ASSERT_EQ(a.exit_code, 0) << run_cli("logits " + src + args).output;
  const auto b = run_cli("logits " + (dir / "hf").string() + args, true);
  EXPECT_EQ(nlohmann::json::parse(a.output), nlohmann::json::parse(b.output));
  const auto refused = run_cli("convert " + src + " " + (dir / "m.bin").string() + " --to llama2c");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("Gemma"), std::string::npos) << refused.output;
}

// Fine-tuning from a Gemma 2 checkpoint: a random one with the byte tokenizer's 256 tokens.
TEST(GemmaCli, FineTunesFromAGemma2Checkpoint) {
  using namespace depthscope;
  const fs::path dir = test::scratch_dir("gemma_cli_init");
  ModelConfig c;
  c.family = ModelFamily::gemma2;
  c.vocab_size = 256;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_layers = 2;
  c.num_heads = 2;
  c.num_kv_heads = 1;
  c.head_dim = 16;
  c.max_position = 64;
  c.norm_scheme = NormScheme::sandwich;
  c.activation = Activation::gelu_new;
  c.tie_word_embeddings = c.norm_plus_one = c.embed_sqrt_scale = true;
  c.query_pre_attn_scalar = 16;
  c.attn_softcap = 50;
  c.final_softcap = 30;
  c.sliding_window = 4;
  c.sliding_layers = {true, false};
  save_hf((dir / "base").string(), c, Transformer::random(c, 3).weights());
  test::write_tiny_corpus(dir / "t.txt");
  std::ofstream(dir / "spec.json") << R"({"name": "ft", "init": ")" << (dir / "base").string()
                                   << R"(", "schemes": ["sandwich"], "corpus": {"text": [")" << (dir / "t.txt").string()
                                   << R"("], "tokenizer": "bytes"}, "steps": 4, "batch": 2, "seq": 16,
      "eval_every": 4, "eval_tokens": 64, "checkpoint_every": 4})";
  const auto r = run_cli("--threads 1 train --spec " + (dir / "spec.json").string() + " --db " +
                         (dir / "runs.sqlite").string() + " --out " + (dir / "runs").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The checkpoint is a Gemma 2 again, with the same features.
  fs::path step;
  for (const auto& e : fs::recursive_directory_iterator(dir / "runs"))
    if (e.path().filename() == "config.json") step = e.path().parent_path();
  ASSERT_FALSE(step.empty());
  const LoadedCheckpoint ck = load_checkpoint(step.string());
  EXPECT_EQ(ck.config.family, ModelFamily::gemma2);
  EXPECT_EQ(ck.config.sliding_layers, c.sliding_layers);
  EXPECT_EQ(ck.config.attn_softcap, 50);
  EXPECT_TRUE(ck.config.norm_plus_one);
}

}  // namespace

// The block Jacobian on the two placements that normalise sublayer outputs: Gemma 2's sandwich
// and OLMo 2's output norms (the probe site is the residual stream after block l everywhere).
TEST(GemmaCli, JacobianRunsOnGemma2AndOlmo2) {
  for (const std::string model : {"families/gemma2-tiny-f32", "families/olmo2-tiny-f32"}) {
    DS_REQUIRE_SHARED(model + "/config.json");
    const std::string args = "--threads 1 jacobian \"" + shared_data(model) + "\" --tokens \"" +
                             shared_data(model + "/ref.tokens.txt") + "\" --layer 2 --ctx 16 --positions 4 --json";
    const auto r = run_cli(args, true);
    ASSERT_EQ(r.exit_code, 0) << run_cli(args).output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j.at("layer").get<int>(), 2) << model;
    EXPECT_EQ(j.at("dim").get<int>(), 64) << model;
    EXPECT_EQ(j.at("jacobian").size(), 64u) << model;
    const double dominance = j.at("diagonal_dominance").get<double>();
    EXPECT_GT(dominance, 0.0) << model;
    EXPECT_LT(dominance, 1.0) << model;
  }
}
