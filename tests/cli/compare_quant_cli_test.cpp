// depthscope-cli compare-quant on a Q8_0 GGUF copy of a tiny family checkpoint
// (tests/core/io/gguf_writer.h) against the checkpoint itself: small drift, every layer listed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "cli/run_cli.h"
#include "core/io/checkpoint.h"
#include "test_support.h"
#include "tests/core/io/gguf_writer.h"

namespace {

using depthscope::test::run_cli;
using depthscope::test::shared_data;

TEST(CliCompareQuant, Q8CopyDriftsLittleAndEveryLayerIsListed) {
  DS_REQUIRE_SHARED("families/llama-tiny-f16/config.json");
  const auto dir = depthscope::test::scratch_dir("cli_compare_quant");
  const std::string original = shared_data("families/llama-tiny-f16");
  const std::string q8 = depthscope::test::write_gguf((dir / "q8.gguf").string(), depthscope::load_checkpoint(original),
                                                      depthscope::test::GgufMatrixType::q8_0);
  std::string ids;
  for (int i = 0; i < 64; ++i) ids += std::to_string((i * 37 + 11) % 300) + " ";
  const std::string tokens = depthscope::test::write_text(dir / "ids.txt", ids);
  const auto r = run_cli("compare-quant \"" + q8 + "\" \"" + original + "\" --tokens \"" + tokens + "\" --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j.at("layers").size(), 3u);
  for (const auto& l : j.at("layers")) {
    EXPECT_GT(l.at("relative_error").get<double>(), 0);
    EXPECT_LT(l.at("relative_error").get<double>(), 0.05) << l;
    EXPECT_LT(l.at("angular_distance").get<double>(), 0.05) << l;
    EXPECT_LT(std::abs(l.at("variance_change").get<double>()), 0.05) << l;
  }
  const double ppl = j.at("ppl_original").get<double>();
  EXPECT_LT(std::abs(j.at("delta_ppl").get<double>()), 0.05 * ppl) << r.output;

  const auto mismatch = run_cli("compare-quant \"" + q8 + "\" \"" + shared_data("families/qwen2-tiny-bf16-sharded") +
                                "\" --tokens \"" + tokens + "\"");
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.output.find("differ in"), std::string::npos) << mismatch.output;
}

}  // namespace
