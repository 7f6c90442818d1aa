// Every line of cases.txt and of the Debian fortunes file, encoded as an independent
// implementation encodes it (../shared/data/tokenizers/*/expected.jsonl), and decoded back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/tokenize/formats.h"
#include "core/tokenize/tokenizer.h"
#include "core/tokenize/tokenizer_json.h"
#include "tests/core/tokenize/reference_cases.h"

namespace depthscope {
namespace {

using test::ReferenceCase;

// Asserts ids and the round trip for every case; skips (after checking cases.txt) when the
// fortunes file is absent.
void expect_reference(const Tokenizer& tok, const std::string& name) {
  bool have_fortunes = false;
  const std::vector<ReferenceCase> cases = test::load_reference_cases(name, have_fortunes);
  ASSERT_GE(cases.size(), 20u);
  int mismatches = 0;
  for (const ReferenceCase& c : cases) {
    const std::vector<std::int64_t> ids = tok.encode(c.text);
    EXPECT_EQ(ids, c.ids) << name << " " << c.source << " line " << c.line << ": " << c.text;
    EXPECT_EQ(tok.decode(c.ids), c.text) << name << " " << c.source << " line " << c.line;
    if (ids != c.ids && ++mismatches > 20) FAIL() << "too many mismatches, stopping";
  }
  if (!have_fortunes)
    GTEST_SKIP() << "fortune lines not checked, file missing: " << test::kFortunesPath;
  EXPECT_GT(cases.size(), 900u);
}

TEST(TokenizerReference, Llama2SentencePieceModel) {
  DS_REQUIRE_SHARED("tokenizers/llama2/tokenizer.model");
  const auto tok = load_tokenizer(test::shared_data("tokenizers/llama2/tokenizer.model"));
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->description(), "SentencePiece (.model)");
  expect_reference(*tok, "llama2");
}

TEST(TokenizerReference, MistralTokenizerJson) {
  DS_REQUIRE_SHARED("tokenizers/mistral/tokenizer.json");
  const auto tok = load_tokenizer(test::shared_data("tokenizers/mistral/tokenizer.json"));
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->description(), "SentencePiece-style BPE (tokenizer.json)");
  expect_reference(*tok, "mistral");
}

TEST(TokenizerReference, Gpt2EncoderJsonAndVocabBpe) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/encoder.json");
  const auto tok = load_tokenizer(test::shared_data("tokenizers/gpt2/encoder.json"));
  EXPECT_EQ(tok->vocab_size(), 50257);
  EXPECT_EQ(tok->eos_id(), 50256);
  EXPECT_EQ(tok->description(), "byte-level BPE (encoder.json + vocab.bpe)");
  expect_reference(*tok, "gpt2");
}

// GPT-2 in the standard Hugging Face tokenizer.json layout, built here from the two files.
std::string write_gpt2_tokenizer_json(const std::filesystem::path& dir) {
  std::ifstream encoder(test::shared_data("tokenizers/gpt2/encoder.json"));
  const nlohmann::json vocab = nlohmann::json::parse(encoder);
  nlohmann::json merges = nlohmann::json::array();
  std::ifstream bpe(test::shared_data("tokenizers/gpt2/vocab.bpe"));
  std::string line;
  std::getline(bpe, line);  // "#version: 0.2"
  while (std::getline(bpe, line))
    if (!line.empty()) merges.push_back(line);
  const nlohmann::json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false},
                                     {"trim_offsets", true}, {"use_regex", true}};
  const nlohmann::json doc = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens",
       {{{"id", 50256}, {"content", "<|endoftext|>"}, {"single_word", false}, {"lstrip", false},
         {"rstrip", false}, {"normalized", true}, {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", byte_level},
      {"post_processor", byte_level},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
        {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""}, {"fuse_unk", false},
        {"byte_fallback", false}, {"vocab", vocab}, {"merges", merges}}}};
  const std::string path = (dir / "tokenizer.json").string();
  std::ofstream(path) << doc.dump();
  return path;
}

TEST(TokenizerReference, Gpt2TokenizerJsonBuiltFromTheSameFiles) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/vocab.bpe");
  const std::string path = write_gpt2_tokenizer_json(test::scratch_dir("gpt2_tokenizer_json"));
  const auto tok = load_tokenizer(path);
  EXPECT_EQ(tok->vocab_size(), 50257);
  EXPECT_EQ(tok->description(), "byte-level BPE (tokenizer.json)");
  EXPECT_EQ(tok->eos_id(), 50256);
  expect_reference(*tok, "gpt2");
}

// Mistral's vocabulary in the newer layout: no normalizer, a Metaspace pre-tokenizer
// (prepend_scheme "first", no split). Same ids, except that Metaspace (as in tokenizers)
// does not prepend "▁" to text that already starts with a space, so those lines differ.
TEST(TokenizerReference, MistralWithMetaspacePreTokenizer) {
  DS_REQUIRE_SHARED("tokenizers/mistral/tokenizer.json");
  std::ifstream in(test::shared_data("tokenizers/mistral/tokenizer.json"));
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["normalizer"] = nullptr;
  doc["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"},
                          {"prepend_scheme", "first"}, {"split", false}};
  const auto tok = parse_tokenizer_json(doc.dump(), "mistral-metaspace.json");
  bool have_fortunes = false;
  int checked = 0;
  for (const auto& c : test::load_reference_cases("mistral", have_fortunes)) {
    if (!c.text.empty() && c.text[0] == ' ') continue;
    ASSERT_EQ(tok->encode(c.text), c.ids) << c.source << " line " << c.line << ": " << c.text;
    ASSERT_EQ(tok->decode(c.ids), c.text) << c.source << " line " << c.line;
    ++checked;
  }
  EXPECT_GE(checked, 18);
  // The documented difference: " a" is "▁a" here, "▁▁a" with the Prepend normalizer.
  const auto classic = load_tokenizer(test::shared_data("tokenizers/mistral/tokenizer.json"));
  EXPECT_EQ(tok->encode(" a"), tok->encode("a"));
  EXPECT_NE(classic->encode(" a"), classic->encode("a"));
}

TEST(TokenizerReference, AddedTokensAreMatchedWhole) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/vocab.bpe");
  const auto tok = load_tokenizer(test::shared_data("tokenizers/gpt2/encoder.json"));
  // "Hello" = 15496, " world" = 995 (cases.txt line 1); the special in between stays whole.
  EXPECT_EQ(tok->encode("Hello<|endoftext|> world"),
            (std::vector<std::int64_t>{15496, 50256, 995}));
  EXPECT_EQ(tok->decode({15496, 50256, 995}), "Hello<|endoftext|> world");
  EXPECT_EQ(tok->piece(995), "\xC4\xA0world");  // "Ġworld"
}

TEST(TokenizerReference, FindTokenizerForLooksBesideTheCheckpoint) {
  DS_REQUIRE_SHARED("tokenizers/mistral/tokenizer.json");
  const auto beside = find_tokenizer_for(test::shared_data("tokenizers/mistral/model.safetensors"));
  ASSERT_NE(beside, nullptr);
  EXPECT_EQ(beside->description(), "SentencePiece-style BPE (tokenizer.json)");
  const auto inside = find_tokenizer_for(test::shared_data("tokenizers/gpt2"));
  ASSERT_NE(inside, nullptr);
  EXPECT_EQ(inside->description(), "byte-level BPE (encoder.json + vocab.bpe)");
  EXPECT_EQ(find_tokenizer_for(test::scratch_dir("no_tokenizer").string()), nullptr);
  const auto folder = load_tokenizer(test::shared_data("tokenizers/llama2"));
  EXPECT_EQ(folder->description(), "SentencePiece (.model)");
}

// Text that is not UTF-8 still round-trips: byte-level BPE spells every byte, byte fallback
// spells the bytes of what it cannot look up.
TEST(TokenizerReference, InvalidUtf8TextRoundTrips) {
  DS_REQUIRE_SHARED("tokenizers/mistral/tokenizer.json");
  DS_REQUIRE_SHARED("tokenizers/gpt2/encoder.json");
  const std::string text = "ok \xFF\xFE caf\xC3 \x80x \xE2\x96";
  for (const char* file : {"tokenizers/gpt2/encoder.json", "tokenizers/mistral/tokenizer.json",
                           "tokenizers/llama2/tokenizer.model"}) {
    if (!std::filesystem::exists(test::shared_data(file))) continue;
    const auto tok = load_tokenizer(test::shared_data(file));
    const auto ids = tok->encode(text);
    EXPECT_FALSE(ids.empty()) << file;
    if (std::string(file).find("llama2") == std::string::npos)  // SentencePiece drops invalid bytes
      EXPECT_EQ(tok->decode(ids), text) << file;
  }
  // GPT-2: byte 0xFF alone is the byte-level token "ÿ" (id 187), byte 0x00 is "Ā" (188).
  const auto gpt2 = load_tokenizer(test::shared_data("tokenizers/gpt2/encoder.json"));
  EXPECT_EQ(gpt2->encode("\xFF"), std::vector<std::int64_t>{187});
  EXPECT_EQ(gpt2->encode(std::string(1, '\0')), std::vector<std::int64_t>{188});
}

TEST(TokenizerReference, ByteTokenizer) {
  const auto tok = make_byte_tokenizer();
  EXPECT_EQ(tok->vocab_size(), 256);
  const std::string text = "a\xC3\xA9\n";
  EXPECT_EQ(tok->encode(text), (std::vector<std::int64_t>{97, 0xC3, 0xA9, 10}));
  EXPECT_EQ(tok->decode(tok->encode(text)), text);
  EXPECT_THROW(tok->decode({256}), std::exception);
}

}  // namespace
}  // namespace depthscope
