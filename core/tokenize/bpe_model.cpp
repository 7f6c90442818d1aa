#include "core/tokenize/bpe_model.h"

#include <cstdio>

#include "core/error.h"
#include "core/tokenize/utf8.h"

namespace depthscope {
namespace {
constexpr std::size_t kCacheMaxWordBytes = 256;
constexpr std::size_t kCacheMaxEntries = 1 << 17;
}  // namespace

BpeModel::BpeModel(std::unordered_map<std::string, std::int32_t> vocab,
                   const std::vector<Merge>& merges, Options options)
    : vocab_(std::move(vocab)), options_(options) {
  merge_of_pair_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const Merge& m = merges[rank];
    // As in Hugging Face tokenizers, a repeated pair keeps its last rank.
    merge_of_pair_[pair_key(m.left, m.right)] = PairMerge{static_cast<double>(rank), m.merged};
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab_.find(name);
    byte_token_[b] = it == vocab_.end() ? -1 : it->second;
  }
}

std::vector<std::int32_t> BpeModel::encode_word(std::string_view word) const {
  if (options_.ignore_merges) {
    auto it = vocab_.find(std::string(word));
    if (it != vocab_.end()) return {it->second};
  }
  if (word.size() <= kCacheMaxWordBytes) return encode_cached(word);
  // A long word (a whole document when there is no pre-tokenizer, as in Mistral's
  // tokenizer.json) is cut between two characters that no vocabulary entry contains side by
  // side: no merge can produce a token spanning such a cut, and merges on either side never
  // interact, so encoding the parts separately gives the same ids, mostly from the cache.
  std::vector<std::int32_t> ids;
  for (std::string_view part : independent_parts(word)) {
    const auto part_ids = part.size() <= kCacheMaxWordBytes ? encode_cached(part) : encode_uncached(part);
    ids.insert(ids.end(), part_ids.begin(), part_ids.end());
  }
  return ids;
}

std::vector<std::string_view> BpeModel::independent_parts(std::string_view word) const {
  std::call_once(inner_pairs_once_, [this] {
    for (const auto& entry : vocab_) {
      const std::string& token = entry.first;
      for (std::size_t i = 0, prev = std::string::npos; i < token.size();) {
        const std::size_t n = utf8::char_length(token, i);
        if (prev != std::string::npos) inner_pairs_.insert(token.substr(prev, i + n - prev));
        prev = i;
        i += n;
      }
    }
  });
  std::vector<std::string_view> parts;
  std::size_t part_begin = 0, prev = std::string::npos;
  bool prev_in_vocab = false;
  std::string key;
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t n = utf8::char_length(word, i);
    key.assign(word.substr(i, n));
    // Only characters that are vocabulary entries themselves: a byte-fallback or unknown
    // symbol is spelled differently from its character.
    const bool in_vocab = vocab_.count(key) > 0;
    if (prev_in_vocab && in_vocab && !inner_pairs_.count(std::string(word.substr(prev, i + n - prev)))) {
      parts.push_back(word.substr(part_begin, i - part_begin));
      part_begin = i;
    }
    prev = i;
    prev_in_vocab = in_vocab;
    i += n;
  }
  parts.push_back(word.substr(part_begin));
  return parts;
}

std::vector<std::int32_t> BpeModel::encode_cached(std::string_view word) const {
  const std::string key(word);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  std::vector<std::int32_t> ids = encode_uncached(word);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kCacheMaxEntries) cache_.clear();
  cache_.emplace(key, ids);
  return ids;
}

std::vector<std::int32_t> BpeModel::encode_uncached(std::string_view word) const {
  // One symbol per character; byte fallback or unk for characters outside the vocabulary.
  std::vector<std::int32_t> symbols;
  symbols.reserve(word.size());
  bool last_was_unk = false;
  std::string piece;
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t n = utf8::char_length(word, i);
    piece.assign(word.substr(i, n));
    i += n;
    auto it = vocab_.find(piece);
    if (it != vocab_.end()) {
      symbols.push_back(it->second);
      last_was_unk = false;
      continue;
    }
    bool all_bytes = options_.byte_fallback;
    for (char c : piece) all_bytes = all_bytes && byte_token_[static_cast<unsigned char>(c)] >= 0;
    if (all_bytes) {
      for (char c : piece) symbols.push_back(byte_token_[static_cast<unsigned char>(c)]);
      last_was_unk = false;
    } else if (options_.unk_id) {
      if (!(options_.fuse_unk && last_was_unk)) symbols.push_back(*options_.unk_id);
      last_was_unk = true;
    } else {
      std::string hex;
      for (char c : piece) {
        char b[4];
        std::snprintf(b, sizeof b, "%02X", static_cast<unsigned char>(c));
        hex += (hex.empty() ? "" : " ") + std::string(b);
      }
      throw UsageError("the tokenizer cannot encode the character with bytes " + hex +
                       ": it is not in the vocabulary and there is no byte fallback or unknown "
                       "token");
    }
  }
  return merge_pairs(std::move(symbols), [this](std::int32_t a, std::int32_t b) {
    auto it = merge_of_pair_.find(pair_key(a, b));
    return it == merge_of_pair_.end() ? std::optional<PairMerge>() : it->second;
  });
}

}  // namespace depthscope
