// depthscope-cli inspect and convert, end to end on the shared reference checkpoints.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::run_cli;
using depthscope::test::scratch_dir;
using depthscope::test::shared_data;

TEST(CliCheckpoint, InspectJsonDescribesStories260K) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  const auto r = run_cli("inspect " + shared_data("llama2c/stories260K.bin") + " --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("format"), "llama2c-v0");
  EXPECT_EQ(j.at("family"), "llama");
  EXPECT_EQ(j.at("layers"), 5);
  EXPECT_EQ(j.at("hidden_size"), 64);
  EXPECT_EQ(j.at("kv_heads"), 4);
  EXPECT_EQ(j.at("vocab_size"), 512);
  EXPECT_EQ(j.at("layer_parameters").size(), 5u);
  EXPECT_NE(j.at("tokenizer").get<std::string>().find("llama2.c"), std::string::npos);
  const auto& p = j.at("parameters");
  EXPECT_EQ(p.at("total").get<long long>(),
            p.at("embeddings").get<long long>() + p.at("attention").get<long long>() +
                p.at("mlp").get<long long>() + p.at("norms").get<long long>() + p.at("head").get<long long>());
}

TEST(CliCheckpoint, InspectEveryFamily) {
  for (const char* family : {"llama-tiny-f16", "qwen2-tiny-bf16-sharded", "qwen3-tiny-f32", "gpt2-tiny-f32",
                             "gemma2-tiny-f32"}) {
    DS_REQUIRE_SHARED(std::string("families/") + family);
    const auto r = run_cli("inspect " + shared_data(std::string("families/") + family) + " --json", true);
    ASSERT_EQ(r.exit_code, 0) << family << ": " << r.output;
    EXPECT_GT(nlohmann::json::parse(r.output).at("parameters").at("total").get<long long>(), 0) << family;
  }
}

TEST(CliCheckpoint, ConvertToHfAndBackKeepsTheLogits) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  const auto dir = scratch_dir("cli_convert");
  const std::string src = shared_data("llama2c/stories260K.bin");
  ASSERT_EQ(run_cli("convert " + src + " " + (dir / "hf").string() + " --to hf").exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "hf" / "config.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "hf" / "model.safetensors"));
  ASSERT_EQ(run_cli("convert " + (dir / "hf").string() + " " + (dir / "back.bin").string() + " --to llama2c").exit_code, 0);
  const std::string args = " --tokens 1,403,407,261,378,11 --top-k 4 --json";
  const auto a = nlohmann::json::parse(run_cli("logits " + src + args, true).output);
  const auto b = nlohmann::json::parse(run_cli("logits " + (dir / "hf").string() + args, true).output);
  const auto c = nlohmann::json::parse(run_cli("logits " + (dir / "back.bin").string() + args, true).output);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(CliCheckpoint, TruncatedFileIsNamedAndFails) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  const auto dir = scratch_dir("cli_truncated");
  const auto bad = dir / "cut.bin";
  std::filesystem::copy_file(shared_data("llama2c/stories260K.bin"), bad);
  std::filesystem::resize_file(bad, 1000);
  const auto r = run_cli("inspect " + bad.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(bad.string()), std::string::npos) << r.output;
}

}  // namespace
