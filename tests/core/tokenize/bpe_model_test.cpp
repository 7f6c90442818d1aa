// The BPE engine (priority-queue merging, cuts of long words, cache) against BPE written out
// literally: rescan all pairs, merge the lowest-ranked one (leftmost on ties), repeat.
#include <gtest/gtest.h>

#include <random>

#include "core/tokenize/bpe_model.h"
#include "core/tokenize/utf8.h"

namespace depthscope {
namespace {

struct RandomBpe {
  std::unordered_map<std::string, std::int32_t> vocab;
  std::vector<std::string> token;
  std::vector<BpeModel::Merge> merges;

  std::int32_t add(const std::string& t) {
    auto it = vocab.find(t);
    if (it != vocab.end()) return it->second;
    const auto id = static_cast<std::int32_t>(token.size());
    vocab[t] = id;
    token.push_back(t);
    return id;
  }
};

// Characters a, b, c, d, "▁" and "é"; random merges; byte tokens for "é" only, so "z" is unknown.
RandomBpe make_random_bpe(std::mt19937& rng, std::size_t merge_count, std::size_t max_bytes) {
  RandomBpe bpe;
  bpe.add("<unk>");
  bpe.add("<0xC3>");
  bpe.add("<0xA9>");
  for (const char* c : {"a", "b", "c", "d", "\xE2\x96\x81"}) bpe.add(c);
  while (bpe.merges.size() < merge_count) {
    std::uniform_int_distribution<std::size_t> pick(3, bpe.token.size() - 1);
    const std::int32_t l = static_cast<std::int32_t>(pick(rng)), r = static_cast<std::int32_t>(pick(rng));
    const std::string merged = bpe.token[l] + bpe.token[r];
    if (merged.size() > max_bytes || bpe.vocab.count(merged)) continue;
    bpe.merges.push_back({l, r, bpe.add(merged)});
  }
  return bpe;
}

std::vector<std::int32_t> literal_bpe(const RandomBpe& bpe, const std::string& word) {
  std::vector<std::int32_t> s;
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t n = utf8::char_length(word, i);
    const std::string c = word.substr(i, n);
    i += n;
    if (bpe.vocab.count(c)) s.push_back(bpe.vocab.at(c));
    else if (c == "\xC3\xA9") s.insert(s.end(), {bpe.vocab.at("<0xC3>"), bpe.vocab.at("<0xA9>")});
    else if (s.empty() || s.back() != 0) s.push_back(0);  // unknown, fused
  }
  while (true) {
    std::size_t best_rank = bpe.merges.size(), best_at = 0;
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      for (std::size_t r = 0; r < best_rank; ++r)
        if (bpe.merges[r].left == s[i] && bpe.merges[r].right == s[i + 1]) {
          best_rank = r;
          best_at = i;
          break;
        }
    if (best_rank == bpe.merges.size()) return s;
    s[best_at] = bpe.merges[best_rank].merged;
    s.erase(s.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
  }
}

int count_cuts(const RandomBpe& bpe, const std::string& word) {
  std::vector<std::string> chars;
  for (std::size_t i = 0; i < word.size(); i += utf8::char_length(word, i))
    chars.push_back(word.substr(i, utf8::char_length(word, i)));
  int cuts = 0;
  for (std::size_t k = 0; k + 1 < chars.size(); ++k) {
    if (!bpe.vocab.count(chars[k]) || !bpe.vocab.count(chars[k + 1])) continue;
    bool inside = false;
    for (const std::string& t : bpe.token) inside = inside || t.find(chars[k] + chars[k + 1]) != std::string::npos;
    cuts += !inside;
  }
  return cuts;
}

TEST(BpeModel, MatchesLiteralBpeOnRandomShortAndLongWords) {
  std::mt19937 rng(20261128);
  const char* alphabet[] = {"a", "b", "c", "d", "\xE2\x96\x81", "\xC3\xA9", "z"};
  int cuts = 0;  // places where no token holds both neighbouring characters
  for (int round = 0; round < 20; ++round) {
    // Few, short merges leave character pairs that no token contains: long words get cut.
    const RandomBpe bpe = round % 2 ? make_random_bpe(rng, 60, 12) : make_random_bpe(rng, 15, 4);
    BpeModel::Options options;
    options.unk_id = 0;
    options.fuse_unk = true;
    options.byte_fallback = true;
    const BpeModel model(bpe.vocab, bpe.merges, options);
    for (int w = 0; w < 30; ++w) {
      // Short words hit the cache path; words over 256 bytes are cut into independent parts.
      const int length = w % 2 ? 5 + w : 300 + 40 * w;
      std::string word;
      for (int k = 0; k < length; ++k) word += alphabet[std::uniform_int_distribution<int>(0, 6)(rng)];
      ASSERT_EQ(model.encode_word(word), literal_bpe(bpe, word)) << "round " << round << ": " << word;
      if (word.size() > 256) cuts += count_cuts(bpe, word);
      ASSERT_EQ(model.encode_word(word), literal_bpe(bpe, word)) << "cached, round " << round;
    }
  }
  EXPECT_GT(cuts, 100);
}

TEST(BpeModel, IgnoreMergesTakesAVocabularyWordWhole) {
  // "abc" is a token, but BPE by rank would give "a" + "bc".
  const std::unordered_map<std::string, std::int32_t> vocab = {
      {"a", 0}, {"b", 1}, {"c", 2}, {"bc", 3}, {"ab", 4}, {"abc", 5}};
  const std::vector<BpeModel::Merge> merges = {{1, 2, 3}, {0, 1, 4}};
  BpeModel::Options options;
  EXPECT_EQ(BpeModel(vocab, merges, options).encode_word("abc"), (std::vector<std::int32_t>{0, 3}));
  options.ignore_merges = true;
  EXPECT_EQ(BpeModel(vocab, merges, options).encode_word("abc"), (std::vector<std::int32_t>{5}));
}

}  // namespace
}  // namespace depthscope
