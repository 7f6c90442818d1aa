// The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*), as llama.cpp builds it:
//   model "llama": SentencePiece-style BPE over tokens + scores + token types. The text gets
//     a "▁" prefix (tokenizer.ggml.add_space_prefix, default true) and its spaces become "▁";
//     it starts as one symbol per UTF-8 character, and the adjacent pair whose concatenation
//     is the best-scoring normal or user-defined token merges until none does (leftmost wins
//     ties), as SentencePiece's BPE encoder does. A symbol left that is not a token is spelled
//     as <0xNN> byte tokens (byte fallback), else the unknown token.
//   model "gpt2": byte-level BPE with tokenizer.ggml.merges ("left right", best first); the
//     split pattern by tokenizer.ggml.pre: absent, "default" or "gpt2" GPT-2's, "llama-bpe" /
//     "llama3" Llama 3's, "qwen2" Qwen2's (regex.h); any other is refused by name, as llama.cpp
//     refuses a pre-tokenizer it does not know. Control tokens are matched whole.
// BOS/EOS/UNK come from tokenizer.ggml.{bos,eos,unknown}_token_id; encode adds none, and
// bos_id() is set only when tokenizer.ggml.add_bos_token (default: true for "llama", false for
// "gpt2") asks for it, so the analyses put BOS first exactly when llama.cpp does.
#include <unordered_map>

#include "core/error.h"
#include "core/io/gguf_header.h"
#include "core/io/mapped_file.h"
#include "core/tokenize/decoder.h"
#include "core/tokenize/formats.h"
#include "core/tokenize/hf_tokenizer.h"
#include "core/tokenize/pair_merge.h"
#include "core/tokenize/regex.h"

namespace depthscope {
namespace {

// llama.cpp's llama_token_type (SentencePiece's piece types).
enum TokenType : std::int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's whitespace mark

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<std::int32_t> types;
  std::optional<std::int64_t> bos, eos, unk;
};

std::optional<std::int64_t> optional_id(const GgufHeader& h, const std::string& key, std::size_t n) {
  if (!h.find(key)) return std::nullopt;
  const std::int64_t id = h.get_int(key);
  if (id < 0 || static_cast<std::size_t>(id) >= n)
    throw FileError(h.path, key, "token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(n));
  return id;
}

Vocab read_vocab(const GgufHeader& h) {
  Vocab v;
  v.tokens = h.get_array("tokenizer.ggml.tokens", GgufValueType::string).strings;
  const std::size_t n = v.tokens.size();
  if (n == 0) throw FileError(h.path, "tokenizer.ggml.tokens", "is empty");
  if (n > (1u << 24)) throw FileError(h.path, "tokenizer.ggml.tokens", "more than 2^24 tokens");
  v.scores.assign(n, 0.0f);
  v.types.assign(n, kNormal);
  if (h.find("tokenizer.ggml.scores")) {
    const GgufValue& s = h.get_array("tokenizer.ggml.scores");
    if (s.count != n || !(s.element_type == GgufValueType::f32 || s.element_type == GgufValueType::f64))
      throw FileError(h.path, "tokenizer.ggml.scores", "expected " + std::to_string(n) + " float32 scores, one per token");
    for (std::size_t i = 0; i < n; ++i) v.scores[i] = static_cast<float>(s.number_at(i));
  }
  if (h.find("tokenizer.ggml.token_type")) {
    const GgufValue& t = h.get_array("tokenizer.ggml.token_type");
    if (t.count != n || t.element_type == GgufValueType::string || t.element_type == GgufValueType::array)
      throw FileError(h.path, "tokenizer.ggml.token_type", "expected " + std::to_string(n) + " integers, one per token");
    for (std::size_t i = 0; i < n; ++i) v.types[i] = static_cast<std::int32_t>(t.integer_at(i));
  }
  // BOS is the token to put first only when the file says to add it (llama.cpp's defaults:
  // yes for SentencePiece-style vocabularies, no for byte-level BPE ones such as Qwen2's).
  const bool add_bos = h.get_bool("tokenizer.ggml.add_bos_token", h.get_string("tokenizer.ggml.model") == "llama");
  v.bos = add_bos ? optional_id(h, "tokenizer.ggml.bos_token_id", n) : std::nullopt;
  v.eos = optional_id(h, "tokenizer.ggml.eos_token_id", n);
  v.unk = optional_id(h, "tokenizer.ggml.unknown_token_id", n);
  return v;
}

class GgufSpmTokenizer : public Tokenizer {
 public:
  GgufSpmTokenizer(Vocab v, bool add_space_prefix, std::string description)
      : v_(std::move(v)), add_space_prefix_(add_space_prefix), description_(std::move(description)) {
    byte_token_.fill(-1);
    for (std::size_t id = 0; id < v_.tokens.size(); ++id) {
      const std::int32_t type = v_.types[id];
      if (type == kByte) {
        const int b = byte_fallback_value(v_.tokens[id]);
        if (b >= 0 && byte_token_[static_cast<std::size_t>(b)] < 0) byte_token_[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(id);
      } else if (type == kNormal || type == kUserDefined) {
        id_of_piece_.emplace(v_.tokens[id], static_cast<std::int32_t>(id));  // the first of equal pieces wins
      }
    }
  }

  std::vector<std::int64_t> encode(const std::string& text) const override {
    if (text.empty()) return {};
    std::string normalized = add_space_prefix_ ? kSpace : std::string();
    for (char c : text) normalized += c == ' ' ? kSpace : std::string(1, c);
    // One symbol per UTF-8 character: its token id, or an id past the vocabulary naming the
    // character in `extra` (no token; byte fallback later).
    const std::int32_t n = static_cast<std::int32_t>(v_.tokens.size());
    std::vector<std::string> extra;
    std::vector<std::int32_t> symbols;
    for (std::size_t i = 0; i < normalized.size();) {
      std::size_t len = 1;
      const auto lead = static_cast<unsigned char>(normalized[i]);
      if (lead >= 0xF0) len = 4;
      else if (lead >= 0xE0) len = 3;
      else if (lead >= 0xC0) len = 2;
      len = std::min(len, normalized.size() - i);
      const std::string ch = normalized.substr(i, len);
      i += len;
      if (auto it = id_of_piece_.find(ch); it != id_of_piece_.end()) {
        symbols.push_back(it->second);
      } else {
        symbols.push_back(n + static_cast<std::int32_t>(extra.size()));
        extra.push_back(ch);
      }
    }
    const auto text_of = [&](std::int32_t id) -> const std::string& {
      return id < n ? v_.tokens[static_cast<std::size_t>(id)] : extra[static_cast<std::size_t>(id - n)];
    };
    const auto merged = merge_pairs(std::move(symbols), [&](std::int32_t a, std::int32_t b) {
      auto it = id_of_piece_.find(text_of(a) + text_of(b));
      if (it == id_of_piece_.end()) return std::optional<PairMerge>();
      return std::optional<PairMerge>(PairMerge{-static_cast<double>(v_.scores[static_cast<std::size_t>(it->second)]), it->second});
    });
    std::vector<std::int64_t> out;
    for (std::int32_t id : merged) {
      if (id < n) {
        out.push_back(id);
        continue;
      }
      for (char c : text_of(id)) {
        const std::int32_t b = byte_token_[static_cast<unsigned char>(c)];
        if (b >= 0) out.push_back(b);
        else if (v_.unk) out.push_back(*v_.unk);
        else throw UsageError("this GGUF vocabulary has no token for byte " + std::to_string(static_cast<unsigned char>(c)));
      }
    }
    return out;
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::string out;
    for (std::int64_t id : ids) {
      check_id(id);
      const auto i = static_cast<std::size_t>(id);
      if (v_.types[i] == kControl || v_.types[i] == kUnused) continue;
      if (v_.types[i] == kByte) {
        const int b = byte_fallback_value(v_.tokens[i]);
        if (b >= 0) {
          out += static_cast<char>(b);
          continue;
        }
      }
      const std::string& piece = v_.tokens[i];
      for (std::size_t p = 0; p < piece.size();) {
        if (piece.compare(p, kSpace.size(), kSpace) == 0) {
          out += ' ';
          p += kSpace.size();
        } else {
          out += piece[p++];
        }
      }
    }
    if (add_space_prefix_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
  }

  std::string piece(std::int64_t id) const override {
    if (id < 0 || id >= vocab_size()) return Tokenizer::piece(id);
    return v_.tokens[static_cast<std::size_t>(id)];
  }
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(v_.tokens.size()); }
  std::string description() const override { return description_; }
  std::optional<std::int64_t> bos_id() const override { return v_.bos; }
  std::optional<std::int64_t> eos_id() const override { return v_.eos; }

 private:
  Vocab v_;
  bool add_space_prefix_;
  std::string description_;
  std::unordered_map<std::string, std::int32_t> id_of_piece_;
  std::array<std::int32_t, 256> byte_token_{};
};

std::unique_ptr<Tokenizer> gpt2_tokenizer(const GgufHeader& h, Vocab v) {
  HfTokenizerParts parts;
  std::unordered_map<std::string, std::int32_t> vocab;
  for (std::size_t id = 0; id < v.tokens.size(); ++id) {
    vocab.emplace(v.tokens[id], static_cast<std::int32_t>(id));
    if (v.types[id] == kControl || v.types[id] == kUserDefined)
      parts.added_tokens.push_back({v.tokens[id], static_cast<std::int32_t>(id), v.types[id] == kControl});
  }
  const GgufValue& m = h.get_array("tokenizer.ggml.merges", GgufValueType::string);
  std::vector<BpeModel::Merge> merges;
  merges.reserve(m.strings.size());
  for (std::size_t i = 0; i < m.strings.size(); ++i) {
    const std::string& line = m.strings[i];
    const std::string field = "tokenizer.ggml.merges[" + std::to_string(i) + "]";
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
      throw FileError(h.path, field, "expected two tokens separated by one space");
    const std::string left = line.substr(0, space), right = line.substr(space + 1);
    const auto id_of = [&](const std::string& t) {
      auto it = vocab.find(t);
      if (it == vocab.end()) throw FileError(h.path, field, "token '" + t + "' is not in tokenizer.ggml.tokens");
      return it->second;
    };
    merges.push_back({id_of(left), id_of(right), id_of(left + right)});
  }
  parts.token_of_id = std::move(v.tokens);
  parts.bos_id = v.bos;
  parts.eos_id = v.eos;
  parts.model = std::make_unique<BpeModel>(std::move(vocab), merges, BpeModel::Options{});
  const std::string pre = h.get_string("tokenizer.ggml.pre", "default");
  if (pre == "default" || pre == "gpt2") {
    parts.pre_tokenizer = make_byte_level_pre_tokenizer(/*add_prefix_space=*/false, /*use_regex=*/true);
  } else if (pre == "llama-bpe" || pre == "llama3" || pre == "qwen2") {
    // As these models' tokenizer.json: Split(pattern, isolated), then ByteLevel without its regex.
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    steps.push_back(make_split_pre_tokenizer(
        std::make_shared<Regex>(pre == "qwen2" ? patterns::qwen2 : patterns::llama3), SplitBehavior::isolated, false));
    steps.push_back(make_byte_level_pre_tokenizer(/*add_prefix_space=*/false, /*use_regex=*/false));
    parts.pre_tokenizer = make_sequence_pre_tokenizer(std::move(steps));
  } else {
    throw FileError(h.path, "tokenizer.ggml.pre",
                    "pre-tokenizer '" + pre + "' is not supported (DepthScope knows default, gpt2, llama-bpe, llama3, qwen2)");
  }
  parts.decoder = make_byte_level_decoder();
  parts.description = "byte-level BPE (GGUF tokenizer.ggml, pre-tokenizer " + pre + ")";
  return std::make_unique<HfTokenizer>(std::move(parts));
}

}  // namespace

namespace {

std::unique_ptr<Tokenizer> tokenizer_of(const GgufHeader& h) {
  const std::string& path = h.path;
  const std::string model = h.get_string("tokenizer.ggml.model");
  if (model == "llama") {
    Vocab v = read_vocab(h);
    return std::make_unique<GgufSpmTokenizer>(std::move(v), h.get_bool("tokenizer.ggml.add_space_prefix", true),
                                              "SentencePiece-style BPE (GGUF tokenizer.ggml)");
  }
  if (model == "gpt2") return gpt2_tokenizer(h, read_vocab(h));
  throw FileError(path, "tokenizer.ggml.model",
                  "tokenizer model '" + model + "' is not supported (DepthScope reads 'llama' and 'gpt2')");
}

}  // namespace

std::unique_ptr<Tokenizer> load_gguf_tokenizer(const std::string& path) {
  const std::shared_ptr<MappedFile> map = MappedFile::open(path);
  return tokenizer_of(parse_gguf_header(map->data(), map->size(), path));
}

std::unique_ptr<Tokenizer> gguf_tokenizer_if_present(const std::string& path) {
  const std::shared_ptr<MappedFile> map = MappedFile::open(path);
  const GgufHeader h = parse_gguf_header(map->data(), map->size(), path);
  return h.find("tokenizer.ggml.model") ? tokenizer_of(h) : nullptr;
}

}  // namespace depthscope
