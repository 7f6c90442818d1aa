#pragma once
// The BPE model of Hugging Face tokenizers: a word (one pre-token) starts as one symbol per
// character and is merged pair by pair, the pair with the lowest merge rank first.
// Characters missing from the vocabulary become <0xNN> byte tokens (byte_fallback, as in
// Llama 2 / Mistral) or the unknown token. Byte-level vocabularies (GPT-2, Llama 3, Qwen2)
// need neither: their pre-tokenizer already spelled every byte as a vocabulary character.
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/tokenize/pair_merge.h"

namespace depthscope {

class BpeModel {
 public:
  struct Merge {
    std::int32_t left, right, merged;  // ids; rank = position in the list
  };
  struct Options {
    std::optional<std::int32_t> unk_id;
    bool fuse_unk = false;
    bool byte_fallback = false;
    bool ignore_merges = false;  // a word that is itself in the vocabulary is not split
  };

  BpeModel(std::unordered_map<std::string, std::int32_t> vocab, const std::vector<Merge>& merges,
           Options options);
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Ids of one pre-token. Throws UsageError when a character is neither in the vocabulary
  // nor representable by byte fallback or an unknown token.
  std::vector<std::int32_t> encode_word(std::string_view word) const;

  const std::unordered_map<std::string, std::int32_t>& vocab() const { return vocab_; }

 private:
  std::vector<std::int32_t> encode_cached(std::string_view word) const;
  std::vector<std::int32_t> encode_uncached(std::string_view word) const;
  // Where no merge can ever join the characters on both sides (see encode_word).
  std::vector<std::string_view> independent_parts(std::string_view word) const;
  static std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
           static_cast<std::uint32_t>(b);
  }

  std::unordered_map<std::string, std::int32_t> vocab_;
  std::unordered_map<std::uint64_t, PairMerge> merge_of_pair_;  // priority = rank
  std::array<std::int32_t, 256> byte_token_{};                  // id of <0xNN>, or -1
  Options options_;

  // Every pair of adjacent characters inside some vocabulary entry; built on first need.
  mutable std::once_flag inner_pairs_once_;
  mutable std::unordered_set<std::string> inner_pairs_;

  // word -> ids; words repeat a lot in real text, so this is most of the speed.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

}  // namespace depthscope
