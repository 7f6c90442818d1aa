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
  for (const std::string text : {"Hello world 123", " a\n\tb\xC3\xA9\xF0\x9F\x98\x80<s>", "\xFF\x80"}) {
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
