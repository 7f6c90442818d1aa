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

}  // namespace
}  // namespace depthscope
