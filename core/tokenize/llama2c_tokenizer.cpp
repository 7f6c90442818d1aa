// llama2.c's tokenizer.bin: int32 max_token_length, then per token f32 score, int32 length,
// bytes. Encoding follows llama2.c's run.c: a dummy-prefix " " token first (for non-empty
// text), each UTF-8 character looked up whole or spelled as <0xNN> byte tokens (id = byte + 3),
// then the adjacent pair whose concatenation is the best-scoring vocabulary entry is merged
// until none is. BOS/EOS are not added (ids 1 and 2 in llama2.c's vocabularies).
#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "core/tokenize/decoder.h"
#include "core/tokenize/formats.h"
#include "core/tokenize/pair_merge.h"
#include "core/tokenize/read_file.h"
#include "core/tokenize/utf8.h"

namespace depthscope {
namespace {

constexpr std::int32_t kBos = 1, kEos = 2, kFirstByteToken = 3;

class Llama2cTokenizer : public Tokenizer {
 public:
  Llama2cTokenizer(std::vector<std::string> pieces, std::vector<float> scores)
      : pieces_(std::move(pieces)), scores_(std::move(scores)) {
    // The first of equal pieces wins (run.c's binary search picks one of them arbitrarily).
    for (std::size_t id = 0; id < pieces_.size(); ++id)
      id_of_piece_.emplace(pieces_[id], static_cast<std::int32_t>(id));
  }

  std::vector<std::int64_t> encode(const std::string& text) const override {
    std::vector<std::int32_t> symbols;
    if (text.empty()) return {};
    if (auto it = id_of_piece_.find(" "); it != id_of_piece_.end()) symbols.push_back(it->second);
    for (std::size_t i = 0; i < text.size();) {
      // run.c gathers a lead byte and at most 3 continuation bytes.
      std::size_t n = 1;
      while (n < 4 && i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80)
        ++n;
      const std::string piece = text.substr(i, n);
      i += n;
      if (auto it = id_of_piece_.find(piece); it != id_of_piece_.end()) {
        symbols.push_back(it->second);
        continue;
      }
      for (char c : piece) {
        const std::int32_t id = static_cast<unsigned char>(c) + kFirstByteToken;
        if (id >= static_cast<std::int32_t>(pieces_.size()))
          throw UsageError("this llama2.c vocabulary has no byte token for byte " +
                           std::to_string(static_cast<unsigned char>(c)));
        symbols.push_back(id);
      }
    }
    // Best score = lowest priority; leftmost wins ties, as in run.c's strict '>' scan.
    const auto merged = merge_pairs(std::move(symbols), [this](std::int32_t a, std::int32_t b) {
      auto it = id_of_piece_.find(pieces_[a] + pieces_[b]);
      if (it == id_of_piece_.end()) return std::optional<PairMerge>();
      return std::optional<PairMerge>(PairMerge{-static_cast<double>(scores_[it->second]), it->second});
    });
    return {merged.begin(), merged.end()};
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::string out;
    for (std::int64_t id : ids) {
      check_id(id);
      if (id == kBos || id == kEos) continue;
      const std::string& piece = pieces_[static_cast<std::size_t>(id)];
      const int byte = byte_fallback_value(piece);
      if (byte >= 0) out += static_cast<char>(byte);
      else out += piece;
    }
    // The dummy prefix: the text starts after the first space.
    if (!out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
  }

  std::string piece(std::int64_t id) const override {
    if (id < 0 || id >= vocab_size()) return Tokenizer::piece(id);
    return pieces_[static_cast<std::size_t>(id)];
  }
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(pieces_.size()); }
  std::string description() const override { return "llama2.c (tokenizer.bin)"; }
  std::optional<std::int64_t> bos_id() const override {
    return vocab_size() > kBos ? std::optional<std::int64_t>(kBos) : std::nullopt;
  }
  std::optional<std::int64_t> eos_id() const override {
    return vocab_size() > kEos ? std::optional<std::int64_t>(kEos) : std::nullopt;
  }

 private:
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, std::int32_t> id_of_piece_;
};

// Reads little-endian fields of tokenizer.bin, naming the token being read when it runs out.
class Reader {
 public:
  Reader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}
  template <class T>
  T read(const std::string& field) {
    if (bytes_.size() - at_ < sizeof(T))
      throw FileError(path_, field, "file ends early (truncated at byte " + std::to_string(bytes_.size()) + ")");
    T v;
    std::memcpy(&v, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  std::string read_bytes(std::size_t n, const std::string& field) {
    if (bytes_.size() - at_ < n)
      throw FileError(path_, field, "file ends early (truncated at byte " + std::to_string(bytes_.size()) + ")");
    std::string s = bytes_.substr(at_, n);
    at_ += n;
    return s;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  const std::string& path_;
  std::size_t at_ = 0;
};

}  // namespace

std::unique_ptr<Tokenizer> load_llama2c_tokenizer(const std::string& path) {
  const std::string bytes = read_file_bytes(path);
  Reader in(bytes, path);
  const auto max_token_length = in.read<std::int32_t>("max_token_length");
  if (max_token_length <= 0 || max_token_length > (1 << 16))
    throw FileError(path, "max_token_length", "expected 1..65536, got " + std::to_string(max_token_length));
  // The file does not store the vocabulary size (the checkpoint does): read to the end.
  std::vector<std::string> pieces;
  std::vector<float> scores;
  while (!in.done()) {
    const std::string token = "token " + std::to_string(pieces.size());
    scores.push_back(in.read<float>(token + " score"));
    const auto length = in.read<std::int32_t>(token + " length");
    if (length < 0 || length > max_token_length)
      throw FileError(path, token + " length", "expected 0.." + std::to_string(max_token_length) +
                                                   ", got " + std::to_string(length));
    pieces.push_back(in.read_bytes(static_cast<std::size_t>(length), token + " bytes"));
  }
  if (pieces.empty()) throw FileError(path, "tokens", "no tokens after max_token_length");
  return std::make_unique<Llama2cTokenizer>(std::move(pieces), std::move(scores));
}

}  // namespace depthscope
