#pragma once
// Decoders of Hugging Face tokenizer.json: they turn the token strings of some ids back
// into text. As in tokenizers each step maps the list of token strings to a new list (some
// steps work per token, some join them), and the final list is concatenated.
// Unlike tokenizers, bytes that do not form valid UTF-8 are kept as they are (not replaced
// by U+FFFD), so that decoding the ids of any text gives exactly that text back.
#include <memory>
#include <string>
#include <vector>

#include "core/tokenize/pre_tokenizer.h"

namespace depthscope {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> apply(std::vector<std::string> tokens) const = 0;
};

// Byte-level characters back to bytes; joins the tokens.
std::unique_ptr<Decoder> make_byte_level_decoder();
// Per token: literal `pattern` -> `content`.
std::unique_ptr<Decoder> make_replace_decoder(std::string pattern, std::string content);
// Runs of <0xNN> tokens become the bytes they name.
std::unique_ptr<Decoder> make_byte_fallback_decoder();
// Joins all tokens into one.
std::unique_ptr<Decoder> make_fuse_decoder();
// Per token: removes up to `start` leading and `stop` trailing copies of `content`.
std::unique_ptr<Decoder> make_strip_decoder(std::string content, int start, int stop);
// Per token: `replacement` -> " "; the first token loses its leading space unless `never`.
std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, PrependScheme prepend);
std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> steps);

// The byte named by a byte-fallback token "<0xNN>", or -1.
int byte_fallback_value(const std::string& token);

}  // namespace depthscope
