// SentencePiece .model files (Llama 2, TinyLlama, ...) through libsentencepiece, so that
// encoding matches the reference library exactly. Kept apart from the tokenizer.json code,
// which must build without sentencepiece (tests/fuzz).
//
// libsentencepiece is reached through a plugin loaded with dlopen(RTLD_LOCAL|RTLD_DEEPBIND):
// linked directly it crashes the process at start-up (its bundled protobuf clashes with
// LibTorch's); see core/tokenize/sentencepiece_plugin/spm_plugin.cpp and
// sentencepiece_plugin_loader.h.
#include <algorithm>

#include "core/error.h"
#include "core/tokenize/formats.h"
#include "core/tokenize/read_file.h"
#include "core/tokenize/sentencepiece_plugin_loader.h"

namespace depthscope {
namespace {

const SpmPlugin& plugin() { return spm_plugin(); }

class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(void* handle) : h_(handle) {}
  ~SentencePieceTokenizer() override { plugin().free_handle(h_); }
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  std::vector<std::int64_t> encode(const std::string& text) const override {
    std::vector<int> ids(text.size() + 16);
    int n = plugin().encode(h_, text.data(), text.size(), ids.data(), static_cast<int>(ids.size()));
    if (n > static_cast<int>(ids.size())) {  // more ids than bytes (cannot happen for byte fallback, but be exact)
      ids.resize(static_cast<size_t>(n));
      n = plugin().encode(h_, text.data(), text.size(), ids.data(), n);
    }
    if (n < 0) throw UsageError("SentencePiece could not encode the text");
    return {ids.begin(), ids.begin() + n};
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::vector<int> narrow;
    narrow.reserve(ids.size());
    for (std::int64_t id : ids) {
      check_id(id);
      narrow.push_back(static_cast<int>(id));
    }
    std::string text(ids.size() * 16 + 64, '\0');
    int n = plugin().decode(h_, narrow.data(), static_cast<int>(narrow.size()), text.data(),
                            static_cast<int>(text.size()));
    if (n >= static_cast<int>(text.size())) {
      text.assign(static_cast<size_t>(n) + 1, '\0');
      n = plugin().decode(h_, narrow.data(), static_cast<int>(narrow.size()), text.data(),
                          static_cast<int>(text.size()));
    }
    if (n < 0) throw UsageError("SentencePiece could not decode the ids");
    text.resize(static_cast<size_t>(n));
    return text;
  }

  std::string piece(std::int64_t id) const override {
    if (id < 0 || id >= vocab_size()) return Tokenizer::piece(id);
    char buf[512];
    const int n = plugin().piece(h_, static_cast<int>(id), buf, sizeof buf);
    return std::string(buf, static_cast<size_t>(std::min<int>(n, sizeof buf - 1)));
  }
  std::int64_t vocab_size() const override { return plugin().vocab_size(h_); }
  std::string description() const override { return "SentencePiece (.model)"; }
  std::optional<std::int64_t> bos_id() const override { return optional_id(plugin().bos_id(h_)); }
  std::optional<std::int64_t> eos_id() const override { return optional_id(plugin().eos_id(h_)); }

 private:
  static std::optional<std::int64_t> optional_id(int id) {
    return id >= 0 ? std::optional<std::int64_t>(id) : std::nullopt;
  }
  void* h_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece_model(const std::string& path) {
  const SpmPlugin& p = plugin();
  if (!p.ok())
    throw FileError(path, "", "cannot read SentencePiece models: the sentencepiece plugin did not load (" +
                                  p.error + ")");
  const std::string bytes = read_file_bytes(path);
  char err[512] = {0};
  void* h = p.load(bytes.data(), bytes.size(), err, sizeof err);
  if (h == nullptr) throw FileError(path, "ModelProto", std::string("not a valid SentencePiece model: ") + err);
  auto tok = std::make_unique<SentencePieceTokenizer>(h);
  if (tok->vocab_size() <= 0) throw FileError(path, "ModelProto.pieces", "no pieces");
  return tok;
}

}  // namespace depthscope
