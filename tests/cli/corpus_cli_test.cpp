// depthscope-cli corpus build / info, end to end, on a small text file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::run_cli;

TEST(CliCorpus, BuildBytesJsonDescribesTheCorpus) {
  const auto dir = depthscope::test::scratch_dir("cli_corpus");
  const std::string text_path = (dir / "text.txt").string();
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Paragraph " + std::to_string(i) + " of the test text.\n\n";
  std::ofstream(text_path, std::ios::binary) << text;
  const std::string out = (dir / "corpus").string();
  const auto r = run_cli("corpus build --text \"" + text_path + "\" --tokenizer bytes --out \"" + out + "\" --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("format"), "depthscope-corpus");
  EXPECT_EQ(j.at("tokenizer").at("kind"), "bytes");
  EXPECT_EQ(j.at("tokenizer").at("vocab_size"), 256);
  EXPECT_EQ(j.at("tokens").at("dtype"), "uint16");
  ASSERT_EQ(j.at("files").size(), 1u);
  EXPECT_EQ(j.at("files")[0].at("path"), text_path);
  EXPECT_EQ(j.at("files")[0].at("sha256").get<std::string>().size(), 64u);
  EXPECT_EQ(j.at("files")[0].at("documents"), 40);
  const auto& split = j.at("split");
  EXPECT_EQ(split.at("train").at("documents").get<int>() + split.at("validation").at("documents").get<int>(), 40);
  // Every paragraph is "Paragraph N of the test text.\n" plus the "\n" separator.
  EXPECT_EQ(j.at("tokens").at("count").get<std::size_t>(), text.size());
  EXPECT_EQ(std::filesystem::file_size(out + "/tokens.bin"), 2 * text.size());
  // What was printed is corpus.json, and `corpus info --json` reads the same back.
  std::ifstream in(out + "/corpus.json");
  EXPECT_EQ(nlohmann::json::parse(in), j);
  const auto info = run_cli("corpus info \"" + out + "\" --json", true);
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_EQ(nlohmann::json::parse(info.output), j);
  const auto plain = run_cli("corpus info \"" + out + "\"", true);
  EXPECT_NE(plain.output.find("40 documents"), std::string::npos) << plain.output;
}

TEST(CliCorpus, BadTokenizerSpecIsNamed) {
  const auto dir = depthscope::test::scratch_dir("cli_corpus_bad");
  const std::string text_path = (dir / "text.txt").string();
  std::ofstream(text_path) << "some text\n";
  const auto r = run_cli("corpus build --text \"" + text_path + "\" --tokenizer bpe:abc --out \"" +
                         (dir / "c").string() + "\"");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("tokenizer 'bpe:abc'"), std::string::npos) << r.output;
}

}  // namespace
