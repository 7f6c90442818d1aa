// End-to-end runs of the analysis commands (stats, perplexity, prune-sweep, jacobian) on the
// real llama2.c checkpoint stories260K (5 layers, d 64, vocab 512) with run.c's reference ids.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::CliResult;
using depthscope::test::run_cli;
using depthscope::test::shared_data;

constexpr const char* kModel = "llama2c/stories260K.bin";
constexpr const char* kTokens = "llama2c/stories260K.ref.tokens.txt";

// Runs on 2 threads and returns the result with its wall time. The build machines run
// compilers beside the tests; libgomp's default spin-waiting then multiplies wall time for
// tiny models, so the child waits passively (OMP_WAIT_POLICY) unless the caller chose.
struct Timed {
  CliResult r;
  double seconds = 0;
};
Timed run_timed(const std::string& args, bool stdout_only = true) {
  setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0);
  const auto start = std::chrono::steady_clock::now();
  Timed t;
  t.r = run_cli("--threads 2 " + args, stdout_only);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

std::string model_and_tokens() {
  return "\"" + shared_data(kModel) + "\" --tokens \"" + shared_data(kTokens) + "\"";
}

TEST(CliAnalysis, StatsJsonHasFiveLayersAndAFiveRowAngularMatrix) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  const Timed t = run_timed("stats " + model_and_tokens() + " --json");
  ASSERT_EQ(t.r.exit_code, 0) << t.r.output;
  EXPECT_LT(t.seconds, 5.0);
  const auto j = nlohmann::json::parse(t.r.output);
  ASSERT_EQ(j.at("layers").size(), 5u);
  for (int l = 0; l < 5; ++l) {
    const auto& s = j["layers"][l];
    EXPECT_EQ(s.at("layer").get<int>(), l + 1);
    for (const char* key : {"input_variance", "output_variance", "rms", "attn_update_ratio", "mlp_update_ratio",
                            "attn_norm_out_variance", "mlp_norm_out_variance", "block_influence", "logit_lens_loss"})
      EXPECT_TRUE(s.at(key).is_number()) << key;
    EXPECT_GT(s["output_variance"].get<double>(), 0.0);
    if (l > 0) EXPECT_DOUBLE_EQ(s["input_variance"].get<double>(), j["layers"][l - 1]["output_variance"].get<double>());
  }
  for (const char* mode : {"token_mean", "last_token"}) {
    const auto& m = j.at("angular_distance").at(mode);
    ASSERT_EQ(m.size(), 5u) << mode;
    for (int l = 0; l < 5; ++l) {
      ASSERT_EQ(m[l].size(), static_cast<size_t>(5 - l)) << mode << " row " << l + 1;  // n = 1..L+1-l
      for (const auto& d : m[l]) {
        EXPECT_GE(d.get<double>(), 0.0);
        EXPECT_LE(d.get<double>(), 1.0);
      }
    }
  }
  // The last layer's logit-lens loss is the model's own next-token loss over all positions:
  // it is finite and below the uniform log(512).
  EXPECT_LT(j["layers"][4]["logit_lens_loss"].get<double>(), std::log(512.0));
}

TEST(CliAnalysis, PruneSweepJsonHasFiveLayersAndFifteenLayerPasses) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  const Timed t = run_timed("prune-sweep " + model_and_tokens() + " --json");
  ASSERT_EQ(t.r.exit_code, 0) << t.r.output;
  EXPECT_LT(t.seconds, 5.0);
  const auto j = nlohmann::json::parse(t.r.output);
  EXPECT_EQ(j.at("layer_passes").get<int>(), 15);  // 5 * 6 / 2
  ASSERT_EQ(j.at("layers").size(), 5u);
  const double base = j.at("baseline").at("ppl").get<double>();
  for (int l = 0; l < 5; ++l) {
    const auto& e = j["layers"][l];
    EXPECT_EQ(e.at("layer").get<int>(), l + 1);
    EXPECT_NEAR(e.at("delta_ppl").get<double>(), e.at("ppl").get<double>() - base, 1e-9 * base);
    EXPECT_NEAR(e.at("ppl").get<double>(), std::exp(e.at("loss").get<double>()), 1e-9 * e["ppl"].get<double>());
  }
  // The baseline is the perplexity command's value (same windows and scoring).
  const Timed p = run_timed("perplexity " + model_and_tokens() + " --json");
  ASSERT_EQ(p.r.exit_code, 0) << p.r.output;
  EXPECT_LT(p.seconds, 5.0);
  const auto pj = nlohmann::json::parse(p.r.output);
  EXPECT_NEAR(pj.at("ppl").get<double>(), base, 1e-9 * base);
  EXPECT_EQ(pj.at("tokens_scored").get<int>(), 127);  // 256 ids, one window of 256: 256 - 1 - 128
  EXPECT_GT(pj.at("ppl_error").get<double>(), 0.0);
  EXPECT_LT(pj.at("ppl").get<double>(), 512.0);  // a trained model beats uniform on its own text
}

TEST(CliAnalysis, PerplexityTextPrintsRunningValuesAndTheFinalEstimate) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  const Timed t = run_timed("perplexity " + model_and_tokens() + " --ctx 64 --stride 32");
  ASSERT_EQ(t.r.exit_code, 0) << t.r.output;
  EXPECT_LT(t.seconds, 5.0);
  EXPECT_NE(t.r.output.find("[1]"), std::string::npos) << t.r.output;
  EXPECT_NE(t.r.output.find("[6]"), std::string::npos) << t.r.output;  // ceil((256 - 64) / 32) windows
  EXPECT_EQ(t.r.output.find("[7]"), std::string::npos) << t.r.output;
  EXPECT_NE(t.r.output.find("Final estimate: PPL = "), std::string::npos) << t.r.output;
  EXPECT_NE(t.r.output.find(" +/- "), std::string::npos) << t.r.output;
}

TEST(CliAnalysis, JacobianJsonIsDByDWithItsDominance) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  const Timed t = run_timed("jacobian " + model_and_tokens() + " --layer 5 --ctx 32 --json");
  ASSERT_EQ(t.r.exit_code, 0) << t.r.output;
  EXPECT_LT(t.seconds, 5.0);
  const auto j = nlohmann::json::parse(t.r.output);
  EXPECT_EQ(j.at("layer").get<int>(), 5);
  EXPECT_EQ(j.at("dim").get<int>(), 64);
  EXPECT_EQ(j.at("tokens").get<int>(), 32);
  ASSERT_EQ(j.at("jacobian").size(), 64u);
  EXPECT_EQ(j["jacobian"][0].size(), 64u);
  const double dom = j.at("diagonal_dominance").get<double>();
  EXPECT_GT(dom, 0.0);
  EXPECT_LT(dom, 1.0);
  const auto bad = run_cli("jacobian " + model_and_tokens() + " --layer 6");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("layer 6 is not in 1..5"), std::string::npos) << bad.output;
}

TEST(CliAnalysis, CsvTextInputAndProgressOnStderr) {
  DS_REQUIRE_SHARED(kModel);
  const auto dir = depthscope::test::scratch_dir("analysis_cli");
  const std::string text = (dir / "story.txt").string();
  std::ofstream(text) << "Once upon a time, there was a little girl named Lily. She liked to play in the park "
                         "with her friends. One day, she found a big red ball under a tree.";
  const std::string model = "\"" + shared_data(kModel) + "\"";
  const Timed csv = run_timed("stats " + model + " --text \"" + text + "\" --csv --progress");
  ASSERT_EQ(csv.r.exit_code, 0) << csv.r.output;
  // stdout holds only the CSV: a header and one row per layer.
  EXPECT_EQ(csv.r.output.rfind("layer,input_variance,output_variance,", 0), 0u) << csv.r.output;
  EXPECT_EQ(std::count(csv.r.output.begin(), csv.r.output.end(), '\n'), 6);
  // --progress goes to stderr, with an ETA.
  const Timed both = run_timed("stats " + model + " --text \"" + text + "\" --json --progress", false);
  ASSERT_EQ(both.r.exit_code, 0) << both.r.output;
  EXPECT_NE(both.r.output.find("ETA"), std::string::npos) << both.r.output;
  // Ids outside the vocabulary are refused with the id named.
  const std::string ids = (dir / "bad.ids").string();
  std::ofstream(ids) << "1, 5, 600, 7\n";
  const auto bad = run_cli("stats " + model + " --tokens \"" + ids + "\"");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("600"), std::string::npos) << bad.output;
  std::ofstream(ids) << "1 2 x3\n";
  const auto junk = run_cli("perplexity " + model + " --tokens \"" + ids + "\"");
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_NE(junk.output.find("byte 5"), std::string::npos) << junk.output;
}

}  // namespace
