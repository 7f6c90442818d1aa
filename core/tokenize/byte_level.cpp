#include "core/tokenize/byte_level.h"

#include <array>
#include <unordered_map>

#include "core/tokenize/utf8.h"

namespace depthscope::byte_level {
namespace {

struct Table {
  std::array<std::string, 256> char_of_byte;
  std::unordered_map<std::string, unsigned char> byte_of_char;

  Table() {
    const auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next_shifted = 0;
    for (int b = 0; b < 256; ++b) {
      const std::uint32_t cp = printable(b) ? static_cast<std::uint32_t>(b)
                                            : static_cast<std::uint32_t>(256 + next_shifted++);
      char_of_byte[b] = utf8::encode(cp);
      byte_of_char[char_of_byte[b]] = static_cast<unsigned char>(b);
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

const std::string& char_for_byte(unsigned char b) { return table().char_of_byte[b]; }

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += table().char_of_byte[static_cast<unsigned char>(c)];
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  const Table& t = table();
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8::char_length(text, i);
    auto it = t.byte_of_char.find(std::string(text.substr(i, n)));
    if (it == t.byte_of_char.end()) return std::nullopt;
    out += static_cast<char>(it->second);
    i += n;
  }
  return out;
}

}  // namespace depthscope::byte_level
