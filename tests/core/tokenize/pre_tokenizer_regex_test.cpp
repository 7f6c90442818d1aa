// The pre-tokenizer patterns through PCRE2 (UTF + UCP), and a Llama-3-style tokenizer.json
// pipeline (Split with the Llama 3 pattern, then ByteLevel without its own regex).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/tokenize/regex.h"
#include "core/tokenize/tokenizer.h"
#include "core/tokenize/tokenizer_json.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

std::vector<std::string> pieces(const char* pattern, const std::string& text) {
  Regex re(pattern);
  std::vector<std::string> out;
  re.for_each_match(text, [&](std::size_t b, std::size_t e) { out.push_back(text.substr(b, e - b)); });
  return out;
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizerRegex, Llama3SplitsDigitsInGroupsOfOneToThree) {
  EXPECT_EQ(pieces(patterns::llama3, "1234567"), (Pieces{"123", "456", "7"}));
  EXPECT_EQ(pieces(patterns::llama3, "x 12345"), (Pieces{"x", " ", "123", "45"}));
  EXPECT_EQ(pieces(patterns::qwen2, "2026"), (Pieces{"2", "0", "2", "6"}));
  EXPECT_EQ(pieces(patterns::gpt2, " 2026"), (Pieces{" 2026"}));
}

TEST(PreTokenizerRegex, Llama3ContractionsAreCaseInsensitive) {
  EXPECT_EQ(pieces(patterns::llama3, "DON'T we'll It's"),
            (Pieces{"DON", "'T", " we", "'ll", " It", "'s"}));
  // GPT-2's contractions are lower case only: "'T" is not one.
  EXPECT_EQ(pieces(patterns::gpt2, "DON'T we'll"), (Pieces{"DON", "'", "T", " we", "'ll"}));
}

TEST(PreTokenizerRegex, UnicodeClassesAndNewlines) {
  // \p{L} covers accented and CJK letters; punctuation takes one leading non-letter.
  EXPECT_EQ(pieces(patterns::llama3, "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC!\n\nok"),
            (Pieces{"caf\xC3\xA9", " \xE6\x9D\xB1\xE4\xBA\xAC", "!\n\n", "ok"}));
  EXPECT_EQ(pieces(patterns::gpt2, "a  b"), (Pieces{"a", " ", " b"}));
}

TEST(PreTokenizerRegex, InvalidUtf8BytesNeverMatchAndNeverStopTheScan) {
  EXPECT_EQ(pieces(patterns::gpt2, "ab\xFF" "cd\xC3"), (Pieces{"ab", "cd"}));
}

TEST(PreTokenizerRegex, Llama3StyleTokenizerJsonPipeline) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/vocab.bpe");
  // GPT-2's vocabulary behind Llama 3's pre-tokenizer layout.
  std::ifstream encoder(test::shared_data("tokenizers/gpt2/encoder.json"));
  const nlohmann::json vocab = nlohmann::json::parse(encoder);
  nlohmann::json merges = nlohmann::json::array();
  std::ifstream bpe(test::shared_data("tokenizers/gpt2/vocab.bpe"));
  std::string line;
  std::getline(bpe, line);
  while (std::getline(bpe, line)) {
    const auto space = line.find(' ');
    if (space != std::string::npos) merges.push_back({line.substr(0, space), line.substr(space + 1)});
  }
  const nlohmann::json doc = {
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", patterns::llama3}}}, {"behavior", "Isolated"},
           {"invert", false}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true},
           {"use_regex", false}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"ignore_merges", true}, {"vocab", vocab}, {"merges", merges}}}};
  const auto llama3_style = parse_tokenizer_json(doc.dump(), "llama3-style tokenizer.json");
  const auto gpt2 = load_tokenizer(test::shared_data("tokenizers/gpt2/encoder.json"));
  EXPECT_EQ(llama3_style->description(), "byte-level BPE (tokenizer.json)");

  // The same vocabulary, so each Llama 3 piece encodes as GPT-2 encodes that piece alone.
  const auto concat = [&](const Pieces& parts) {
    std::vector<std::int64_t> ids;
    for (const auto& p : parts)
      for (auto id : gpt2->encode(p)) ids.push_back(id);
    return ids;
  };
  const std::string text = "I'M paying 1234567 now";
  EXPECT_EQ(llama3_style->encode(text), concat({"I", "'M", " paying", " ", "123", "456", "7", " now"}));
  EXPECT_NE(llama3_style->encode(text), gpt2->encode(text));  // GPT-2 keeps " 1234567" whole
  EXPECT_EQ(llama3_style->decode(llama3_style->encode(text)), text);
}

}  // namespace
}  // namespace depthscope
