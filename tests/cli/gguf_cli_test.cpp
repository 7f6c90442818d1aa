// GGUF files through the CLI: inspect shows each tensor's ggml type and bits per weight,
// tokenize reads the tokenizer in the file's metadata, logits runs the common path with the
// file's own tokenizer.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::run_cli;
using depthscope::test::shared_data;

const char* kQ4km = "gguf/llama-q4_k_m.gguf";

TEST(CliGguf, InspectListsQuantTypesAndBitsPerWeight) {
  DS_REQUIRE_SHARED(kQ4km);
  const auto r = run_cli("inspect \"" + shared_data(kQ4km) + "\" --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("format"), "gguf");
  EXPECT_EQ(j.at("layers"), 4);
  const auto& g = j.at("gguf");
  EXPECT_EQ(g.at("architecture"), "llama");
  EXPECT_EQ(g.at("gguf_version"), 3);
  bool q4k = false, q6k = false;
  for (const auto& t : g.at("tensors")) {
    if (t.at("name") == "blk.0.attn_q.weight") {
      EXPECT_EQ(t.at("type"), "Q4_K");
      EXPECT_DOUBLE_EQ(t.at("bits_per_weight").get<double>(), 4.5);
      q4k = true;
    }
    if (t.at("name") == "blk.0.attn_v.weight") {
      EXPECT_EQ(t.at("type"), "Q6_K");
      EXPECT_DOUBLE_EQ(t.at("bits_per_weight").get<double>(), 6.5625);
      q6k = true;
    }
  }
  EXPECT_TRUE(q4k && q6k) << r.output;
  const auto text = run_cli("inspect \"" + shared_data(kQ4km) + "\"", true);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("bits per weight"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("SentencePiece-style BPE (GGUF tokenizer.ggml)"), std::string::npos) << text.output;
}

TEST(CliGguf, TokenizeAndLogitsUseTheFilesTokenizer) {
  DS_REQUIRE_SHARED(kQ4km);
  const auto r = run_cli("tokenize --tokenizer \"" + shared_data(kQ4km) + "\" --text \"Hello world\" --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output).at("ids"), nlohmann::json({15043, 3186}));
  const auto l = run_cli("logits \"" + shared_data(kQ4km) + "\" --text \"Hello world\" --top-k 2 --json", true);
  ASSERT_EQ(l.exit_code, 0) << l.output;
  EXPECT_NE(l.output.find("15043"), std::string::npos) << l.output;  // the text's own ids after BOS
}

}  // namespace
