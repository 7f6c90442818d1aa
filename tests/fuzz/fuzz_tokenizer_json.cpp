// libFuzzer target: the tokenizer.json parser, then encode + decode of a short text with
// whatever tokenizer it accepted. A FileError (bad file) or UsageError (text the tokenizer
// cannot represent) is a correct answer; any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/tokenize/tokenizer_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::unique_ptr<depthscope::Tokenizer> tok;
  try {
    tok = depthscope::parse_tokenizer_json(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz/tokenizer.json");
  } catch (const depthscope::FileError&) {
    return 0;
  }
  std::string long_text;  // over 256 bytes: long pieces are cut and encoded in parts
  for (int k = 0; k < 40; ++k) long_text += k % 3 ? "ab c\xC3\xA9" : "1 2";
  for (const std::string& text :
       {std::string("Hello world 123"), std::string(" a\n\tb\xC3\xA9\xF0\x9F\x98\x80<s>"),
        std::string("\xFF\x80"), long_text}) {
    try {
      const auto ids = tok->encode(text);
      for (auto id : ids)
        if (id < 0 || id >= tok->vocab_size()) __builtin_trap();  // ids must be in the vocabulary
      tok->decode(ids);
      for (auto id : ids) tok->piece(id);
    } catch (const depthscope::UsageError&) {
    }
  }
  return 0;
}
