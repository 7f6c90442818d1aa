// The tokenizer in the GGUF files' metadata (Llama 2's SentencePiece vocabulary) against
// SentencePiece's own encodings (../shared/data/tokenizers/llama2/expected.jsonl).
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/tokenize/tokenizer.h"
#include "tests/core/io/gguf_bytes.h"
#include "tests/core/tokenize/reference_cases.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

class GgufTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufTokenizer, EncodesEveryReferenceLineAsSentencePieceDoes) {
  const std::string file = "gguf/" + GetParam() + ".gguf";
  DS_REQUIRE_SHARED(file);
  DS_REQUIRE_SHARED("tokenizers/llama2/expected.jsonl");
  const auto tok = load_tokenizer(test::shared_data(file));
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), std::optional<std::int64_t>(1));
  EXPECT_EQ(tok->eos_id(), std::optional<std::int64_t>(2));
  bool have_fortunes = false;
  int matched = 0, total = 0;
  for (const auto& c : test::load_reference_cases("llama2", have_fortunes)) {
    ++total;
    const std::vector<std::int64_t> ids = tok->encode(c.text);
    EXPECT_EQ(ids, c.ids) << c.source << " line " << c.line << ": " << c.text;
    if (ids == c.ids) ++matched;
    EXPECT_EQ(tok->decode(ids), c.text) << c.source << " line " << c.line;
  }
  std::cout << "[ reference ] " << GetParam() << ": " << matched << " of " << total << " lines encode as SentencePiece"
            << (have_fortunes ? "" : " (fortunes file absent: cases only)") << "\n";
  EXPECT_GE(total, 20);
  // The checkpoint's own tokenizer is found from its path.
  EXPECT_NE(find_tokenizer_for(test::shared_data(file)), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Files, GgufTokenizer, ::testing::Values("llama-f16-bf16", "llama-q8_0", "llama-q4_k_m"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(GgufTokenizerFile, RefusesUnknownTokenizerModels) {
  const auto dir = test::scratch_dir("gguf_tokenizer_model");
  test::GgufBuilder g;
  g.kv_string("tokenizer.ggml.model", "rwkv");
  const std::string path = g.write((dir / "t.gguf").string());
  try {
    load_tokenizer(path);
    ADD_FAILURE() << "accepted tokenizer model rwkv";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tokenizer.ggml.model");
    EXPECT_NE(std::string(e.what()).find("rwkv"), std::string::npos);
  }
}

// tokenizer.ggml.* arrays: strings and int32 token types.
test::GgufBytes string_array(const std::vector<std::string>& v) {
  test::GgufBytes b;
  b.u32(8).u64(v.size());
  for (const std::string& s : v) b.str(s);
  return b;
}

test::GgufBytes int_array(const std::vector<std::int32_t>& v) {
  test::GgufBytes b;
  b.u32(5).u64(v.size());
  for (std::int32_t x : v) b.u32(static_cast<std::uint32_t>(x));
  return b;
}

TEST(GgufTokenizerFile, Gpt2ModelIsByteLevelBpeOverTheMerges) {
  const auto dir = test::scratch_dir("gguf_tokenizer_gpt2");
  // "\xC4\xA0" is the byte-level character of a space (U+0120).
  test::GgufBuilder g;
  g.kv_string("tokenizer.ggml.model", "gpt2")
      .kv("tokenizer.ggml.tokens", 9, string_array({"a", "b", "\xC4\xA0", "ab", "\xC4\xA0" "ab", "<|endoftext|>"}))
      .kv("tokenizer.ggml.token_type", 9, int_array({1, 1, 1, 1, 1, 3}))
      .kv("tokenizer.ggml.merges", 9, string_array({"a b", "\xC4\xA0 ab"}))
      .kv_u32("tokenizer.ggml.bos_token_id", 5)
      .kv_u32("tokenizer.ggml.eos_token_id", 5);
  const auto tok = load_tokenizer(g.write((dir / "gpt2.gguf").string()));
  EXPECT_EQ(tok->encode("ab ab"), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(tok->encode("a<|endoftext|>b"), (std::vector<std::int64_t>{0, 5, 1}));
  EXPECT_EQ(tok->decode({3, 4}), "ab ab");
  EXPECT_EQ(tok->eos_id(), std::optional<std::int64_t>(5));
  EXPECT_EQ(tok->bos_id(), std::nullopt) << "byte-level BPE adds no BOS unless tokenizer.ggml.add_bos_token says so";
  g.kv("tokenizer.ggml.add_bos_token", 7, test::GgufBytes().u8(1));
  EXPECT_EQ(load_tokenizer(g.write((dir / "gpt2_bos.gguf").string()))->bos_id(), std::optional<std::int64_t>(5));
  // Llama 3's split keeps a space before letters and digits apart: the same ids here.
  g.kv_string("tokenizer.ggml.pre", "llama-bpe");
  EXPECT_EQ(load_tokenizer(g.write((dir / "llama3.gguf").string()))->encode("ab ab"), (std::vector<std::int64_t>{3, 4}));
  test::GgufBuilder unknown;
  unknown.kv_string("tokenizer.ggml.model", "gpt2")
      .kv("tokenizer.ggml.tokens", 9, string_array({"a", "b", "ab"}))
      .kv("tokenizer.ggml.merges", 9, string_array({"a b"}))
      .kv_string("tokenizer.ggml.pre", "mystery");
  try {
    load_tokenizer(unknown.write((dir / "mystery.gguf").string()));
    ADD_FAILURE() << "accepted pre-tokenizer 'mystery'";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tokenizer.ggml.pre") << e.what();
    EXPECT_NE(std::string(e.what()).find("'mystery'"), std::string::npos) << e.what();
  }
}

TEST(GgufTokenizerFile, RefusesInconsistentVocabularies) {
  const auto dir = test::scratch_dir("gguf_tokenizer_bad");
  test::GgufBuilder scores;
  scores.kv_string("tokenizer.ggml.model", "llama")
      .kv("tokenizer.ggml.tokens", 9, string_array({"a", "b"}))
      .kv("tokenizer.ggml.scores", 9, test::GgufBytes().u32(6).u64(1).f32(0.5f));
  try {
    load_tokenizer(scores.write((dir / "scores.gguf").string()));
    ADD_FAILURE() << "accepted one score for two tokens";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tokenizer.ggml.scores");
  }
  test::GgufBuilder bos;
  bos.kv_string("tokenizer.ggml.model", "llama")
      .kv("tokenizer.ggml.tokens", 9, string_array({"a", "b"}))
      .kv_u32("tokenizer.ggml.bos_token_id", 7);
  try {
    load_tokenizer(bos.write((dir / "bos.gguf").string()));
    ADD_FAILURE() << "accepted a BOS id outside the vocabulary";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tokenizer.ggml.bos_token_id");
  }
  test::GgufBuilder merge;
  merge.kv_string("tokenizer.ggml.model", "gpt2")
      .kv("tokenizer.ggml.tokens", 9, string_array({"a", "b"}))
      .kv("tokenizer.ggml.merges", 9, string_array({"a b"}));
  try {
    load_tokenizer(merge.write((dir / "merge.gguf").string()));
    ADD_FAILURE() << "accepted a merge into a token that is not in the vocabulary";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tokenizer.ggml.merges[0]");
  }
}

}  // namespace
}  // namespace depthscope
