#pragma once
// Normalizers of Hugging Face tokenizer.json: text rewrites applied before pre-tokenization
// (to the text between added tokens). SentencePiece-style BPE (Llama 2, Mistral, TinyLlama)
// uses Prepend("▁") + Replace(" " -> "▁") here.
#include <memory>
#include <string>
#include <vector>

namespace depthscope {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string apply(std::string text) const = 0;
};

// Prepends `prefix` to non-empty text (an empty text stays empty, as in tokenizers).
std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix);
// Replaces every occurrence of the literal `pattern` by `content`.
std::unique_ptr<Normalizer> make_replace_normalizer(std::string pattern, std::string content);
// Applies `steps` in order.
std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> steps);
// Unicode NFC. DepthScope has no Unicode tables: text is passed through unchanged, which is
// exact for text that is already NFC (nearly all text; documented in docs/tokenizers.md).
std::unique_ptr<Normalizer> make_nfc_passthrough_normalizer();

// Replaces every occurrence of `pattern` (non-empty) in `text` by `content`.
std::string replace_all(std::string text, const std::string& pattern, const std::string& content);

}  // namespace depthscope
