#pragma once
// One interface for every tokenizer DepthScope reads. Torch-free and Qt-free; the parsers
// behind it are also fuzzed (tests/fuzz), so they must not depend on torch.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace depthscope {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids for `text`, with no BOS/EOS added (add them yourself with bos_id()).
  virtual std::vector<std::int64_t> encode(const std::string& text) const = 0;
  // Text for `ids`; decode(encode(t)) == t for every t the tokenizer can represent.
  virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
  virtual std::int64_t vocab_size() const = 0;
  // The vocabulary entry of `id` as the file stores it ("Ġworld", "▁world", "<0x0A>"), for
  // showing tokens one by one; decode({id}) may drop a leading space. Defaults to decode({id}).
  virtual std::string piece(std::int64_t id) const { return decode({id}); }
  // What was loaded, for display: "byte-level BPE (tokenizer.json)", "SentencePiece (.model)", ...
  virtual std::string description() const = 0;
  virtual std::optional<std::int64_t> bos_id() const { return std::nullopt; }
  virtual std::optional<std::int64_t> eos_id() const { return std::nullopt; }

 protected:
  // Throws UsageError naming id and the range unless 0 <= id < vocab_size() (decode's check).
  void check_id(std::int64_t id) const {
    if (id < 0 || id >= vocab_size())
      throw UsageError("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                       std::to_string(vocab_size() - 1) + ")");
  }
};

// Load from a tokenizer file (tokenizer.json, tokenizer.model, tokenizer.bin, encoder.json —
// vocab.bpe is then taken from the same folder) or from a folder containing one of them.
// Throws FileError naming the file and the problem.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

// The tokenizer that belongs to a checkpoint: looks beside it (same folder, or inside it when
// it is a folder) in this order: tokenizer.json, tokenizer.model, encoder.json + vocab.bpe,
// tokenizer.bin. Returns nullptr when there is none (callers then fall back to bytes or ids).
std::unique_ptr<Tokenizer> find_tokenizer_for(const std::string& checkpoint_path);

// Plain bytes: id = byte value (vocab 256).
std::unique_ptr<Tokenizer> make_byte_tokenizer();

}  // namespace depthscope
