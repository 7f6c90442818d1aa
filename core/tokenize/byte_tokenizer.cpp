// Plain bytes: id = byte value. The fallback when a checkpoint comes without a tokenizer.
#include "core/error.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {
namespace {

class ByteTokenizer : public Tokenizer {
 public:
  std::vector<std::int64_t> encode(const std::string& text) const override {
    std::vector<std::int64_t> ids;
    ids.reserve(text.size());
    for (char c : text) ids.push_back(static_cast<unsigned char>(c));
    return ids;
  }
  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::string text;
    text.reserve(ids.size());
    for (std::int64_t id : ids) {
      if (id < 0 || id > 255)
        throw UsageError("token id " + std::to_string(id) + " is not a byte (0..255)");
      text += static_cast<char>(id);
    }
    return text;
  }
  std::int64_t vocab_size() const override { return 256; }
  std::string description() const override { return "bytes"; }
};

}  // namespace

std::unique_ptr<Tokenizer> make_byte_tokenizer() { return std::make_unique<ByteTokenizer>(); }

}  // namespace depthscope
