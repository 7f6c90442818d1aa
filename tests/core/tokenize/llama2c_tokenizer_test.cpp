// llama2.c's tokenizer.bin (../shared/data/llama2c/tokenizer.bin, 512 tokens).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <unordered_map>

#include "core/tokenize/tokenizer.h"
#include "tests/core/tokenize/reference_cases.h"

namespace depthscope {
namespace {

const char* kTokenizerBin = "llama2c/tokenizer.bin";

TEST(Llama2cTokenizer, ShortTextHasStableIdsAndRoundTrips) {
  DS_REQUIRE_SHARED(kTokenizerBin);
  const auto tok = load_tokenizer(test::shared_data(kTokenizerBin));
  EXPECT_EQ(tok->vocab_size(), 512);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->description(), "llama2.c (tokenizer.bin)");
  // Observed ids, checked by hand against the pieces: the dummy-prefix space merges into
  // " Once"; "girl" is not a token of this 512-entry vocabulary.
  const std::string text = "Once upon a time, there was a little girl named Lily.";
  const std::vector<std::int64_t> ids = {403, 407, 261, 378, 432, 383, 286, 261,
                                         376, 298, 315, 421, 395, 317, 426};
  EXPECT_EQ(tok->encode(text), ids);
  EXPECT_EQ(tok->decode(ids), text);
  EXPECT_EQ(tok->piece(403), " Once");
  // A character outside the vocabulary: its 4 bytes as <0xNN> tokens (id = byte + 3).
  EXPECT_EQ(tok->encode("\xF0\x9F\x98\x80"),
            (std::vector<std::int64_t>{410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}));
  EXPECT_EQ(tok->decode({410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}), "\xF0\x9F\x98\x80");
  EXPECT_EQ(tok->encode(""), std::vector<std::int64_t>{});
  // BOS is not added by encode but decodes to nothing.
  EXPECT_EQ(tok->decode({1, 403, 407}), "Once upon");
}

// run.c's encoder written out literally (rescan all pairs after every merge): the fast
// encoder must give the same ids on every case and fortune line.
std::vector<std::int64_t> run_c_encode(const std::vector<std::string>& vocab,
                                       const std::vector<float>& scores, const std::string& text) {
  std::unordered_map<std::string, int> lookup;
  for (int i = static_cast<int>(vocab.size()) - 1; i >= 0; --i) lookup[vocab[i]] = i;
  const auto find = [&](const std::string& s) {
    auto it = lookup.find(s);
    return it == lookup.end() ? -1 : it->second;
  };
  std::vector<int> tokens;
  if (text.empty()) return {};
  tokens.push_back(find(" "));
  std::string buffer;
  for (std::size_t c = 0; c < text.size(); ++c) {
    if ((text[c] & 0xC0) != 0x80) buffer.clear();
    buffer += text[c];
    if (c + 1 < text.size() && (text[c + 1] & 0xC0) == 0x80 && buffer.size() < 4) continue;
    const int id = find(buffer);
    if (id != -1) tokens.push_back(id);
    else
      for (char b : buffer) tokens.push_back(static_cast<unsigned char>(b) + 3);
    buffer.clear();
  }
  while (true) {
    float best_score = -1e10f;
    int best_id = -1, best_idx = -1;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      const int id = find(vocab[tokens[i]] + vocab[tokens[i + 1]]);
      if (id != -1 && scores[id] > best_score) {
        best_score = scores[id];
        best_id = id;
        best_idx = static_cast<int>(i);
      }
    }
    if (best_idx == -1) break;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + best_idx + 1);
  }
  return {tokens.begin(), tokens.end()};
}

TEST(Llama2cTokenizer, MatchesRunCsMergeLoopOnReferenceText) {
  DS_REQUIRE_SHARED(kTokenizerBin);
  DS_REQUIRE_SHARED("tokenizers/llama2/expected.jsonl");
  const std::string path = test::shared_data(kTokenizerBin);
  std::ifstream in(path, std::ios::binary);
  std::int32_t max_len = 0;
  in.read(reinterpret_cast<char*>(&max_len), 4);
  std::vector<std::string> vocab;
  std::vector<float> scores;
  for (float score; in.read(reinterpret_cast<char*>(&score), 4);) {
    std::int32_t len = 0;
    in.read(reinterpret_cast<char*>(&len), 4);
    std::string piece(static_cast<std::size_t>(len), '\0');
    in.read(piece.data(), len);
    vocab.push_back(piece);
    scores.push_back(score);
  }
  ASSERT_EQ(vocab.size(), 512u);
  const auto tok = load_tokenizer(path);
  bool have_fortunes = false;
  int checked = 0;
  for (const auto& c : test::load_reference_cases("llama2", have_fortunes)) {
    ASSERT_EQ(tok->encode(c.text), run_c_encode(vocab, scores, c.text)) << c.source << " line " << c.line;
    EXPECT_EQ(tok->decode(tok->encode(c.text)), c.text) << c.source << " line " << c.line;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

}  // namespace
}  // namespace depthscope
