// The CLI's answers in the corners: an overflowing model, widths whose head size would be
// odd, and requests beyond the memory budget (issue "Sound before we build on it").
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_cli.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "test_support.h"

namespace {

using depthscope::test::run_cli;
namespace fs = std::filesystem;

// A 4-layer HF checkpoint whose layer 3 overflows float32, and a text file to run it on.
fs::path overflowing_checkpoint() {
  using namespace depthscope;
  const fs::path dir = test::scratch_dir("cli_overflow");
  ModelConfig c;
  c.vocab_size = 256;  // byte tokenizer ids fit
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_layers = 4;
  c.num_heads = 2;
  c.num_kv_heads = 2;
  c.max_position = 128;
  Transformer m = Transformer::random(c, 5);
  LayerWeights& lw = m.mutable_weights().layers[2];
  lw.w_up = lw.w_up * 1e10;
  lw.w_down = lw.w_down * 1e38;
  save_hf((dir / "model").string(), c, m.weights());
  std::ofstream(dir / "text.txt") << "The residual stream grows with depth until it overflows, and the "
                                     "statistics must say so instead of printing a made-up number.\n";
  return dir;
}

TEST(SoundnessCli, StatsOnAnOverflowingModelPrintsNaNAndInfAsStringsAndNamesTheLayer) {
  const fs::path dir = overflowing_checkpoint();
  const auto r = run_cli("stats " + (dir / "model").string() + " --text " + (dir / "text.txt").string() +
                         " --ctx 32 --json", /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("first_non_finite_layer"), 3);
  ASSERT_EQ(j.at("warnings").size(), 1u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("layer 3"), std::string::npos);
  EXPECT_GT(j.at("memory_estimate_bytes").get<std::int64_t>(), 0);
  const auto& layers = j.at("layers");
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_TRUE(layers[1].at("output_variance").is_number());
  // Layer 3's update overflows (Inf and -Inf summed give NaN): never a number from here on.
  const auto non_finite = [](const nlohmann::json& v) {
    return v.is_string() && (v == "NaN" || v == "Infinity" || v == "-Infinity");
  };
  for (int l = 2; l < 4; ++l) {
    EXPECT_TRUE(non_finite(layers[l].at("output_variance"))) << "layer " << l + 1 << ": " << layers[l];
    EXPECT_TRUE(non_finite(layers[l].at("rms"))) << "layer " << l + 1;
    EXPECT_TRUE(non_finite(layers[l].at("block_influence"))) << "layer " << l + 1;
  }
  EXPECT_TRUE(layers[2].at("input_variance").is_number()) << layers[2];  // its input was still fine
  const auto warned = run_cli("stats " + (dir / "model").string() + " --text " + (dir / "text.txt").string() +
                              " --ctx 32 --json");
  EXPECT_NE(warned.output.find("warning: the residual stream overflowed: layer 3"), std::string::npos)
      << warned.output;
}

TEST(SoundnessCli, VarianceAtInitChoosesAnEvenHeadSize) {
  const auto r = run_cli("--threads 1 variance-at-init --layers 12 --width 1048 --scheme pre --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  const auto& m = j.at("model");
  EXPECT_EQ(m.at("width"), 1048);
  EXPECT_EQ(m.at("heads").get<int>() * m.at("head_size").get<int>(), 1048);
  EXPECT_EQ(m.at("head_size").get<int>() % 2, 0);
  EXPECT_EQ(j.at("layers").size(), 12u);
  // A width that is not a multiple of 8 is refused in one line, before any compute.
  const auto bad = run_cli("variance-at-init --layers 12 --width 1050 --scheme pre --json");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("width must be a multiple of 8"), std::string::npos) << bad.output;
  EXPECT_EQ(bad.output.find("c10"), std::string::npos) << bad.output;
}

TEST(SoundnessCli, StatsFarBeyondTheBudgetIsRefusedWithTheEstimateAndWhatFits) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  const auto r = run_cli("stats " + depthscope::test::shared_data("llama2c/stories260K.bin") +
                         " --tokens " + depthscope::test::shared_data("llama2c/stories260K.ref.tokens.txt") +
                         " --ctx 256 --memory-budget 4M --json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("needs about"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--ctx"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--memory-budget"), std::string::npos) << r.output;
}

}  // namespace
