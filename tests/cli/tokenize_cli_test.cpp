// depthscope-cli tokenize, end to end, against the GPT-2 reference encodings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::run_cli;
using depthscope::test::shared_data;

// The reference ids of cases.txt line `line` (gpt2/expected.jsonl) and its text.
nlohmann::json reference_case(int line) {
  std::ifstream in(shared_data("tokenizers/gpt2/expected.jsonl"));
  for (std::string row; std::getline(in, row);) {
    auto j = nlohmann::json::parse(row);
    if (j.at("source") == "cases.txt" && j.at("line") == line) return j;
  }
  return nullptr;
}

std::string gpt2_tokenizer() { return "--tokenizer \"" + shared_data("tokenizers/gpt2/encoder.json") + "\""; }

TEST(CliTokenize, JsonIdsOfTextMatchReference) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/expected.jsonl");
  const auto ref = reference_case(3);  // plain words, no shell-special characters
  ASSERT_FALSE(ref.is_null());
  const auto r = run_cli("tokenize " + gpt2_tokenizer() + " --text \"" +
                             ref.at("text").get<std::string>() + "\" --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("ids"), ref.at("ids"));
  EXPECT_EQ(j.at("count"), ref.at("ids").size());
}

TEST(CliTokenize, FileIsOneTextWithItsNewlines) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/expected.jsonl");
  const auto ref = reference_case(5);  // contractions with quotes: through a file, not the shell
  ASSERT_FALSE(ref.is_null());
  const auto dir = depthscope::test::scratch_dir("cli_tokenize");
  const std::string path = (dir / "text.txt").string();
  std::ofstream(path, std::ios::binary) << ref.at("text").get<std::string>() << "\n";
  const auto r = run_cli("tokenize " + gpt2_tokenizer() + " --file \"" + path + "\" --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto expected = ref.at("ids");
  expected.push_back(198);  // "\n" is GPT-2 token 198 ("Ċ")
  EXPECT_EQ(nlohmann::json::parse(r.output).at("ids"), expected);
}

TEST(CliTokenize, PlainOutputListsIdsAndPieces) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/encoder.json");
  const auto r = run_cli("tokenize " + gpt2_tokenizer() + " --text \"Hello world\"", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("byte-level BPE (encoder.json + vocab.bpe), 50257 tokens"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("   15496  \"Hello\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("     995  \"\xC4\xA0world\""), std::string::npos) << r.output;  // "Ġworld"
}

TEST(CliTokenize, UnreadableFileIsNamed) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/encoder.json");
  const std::string missing = "/nonexistent/depthscope/corpus.txt";
  const auto r = run_cli("tokenize " + gpt2_tokenizer() + " --file " + missing);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(missing), std::string::npos) << r.output;
}

TEST(CliTokenize, NeedsTextOrFile) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/encoder.json");
  const auto r = run_cli("tokenize " + gpt2_tokenizer());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--text"), std::string::npos) << r.output;
}

}  // namespace
