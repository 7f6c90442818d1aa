#pragma once
// GPT-2's byte-to-unicode map ("ByteLevel" in Hugging Face tokenizers): every byte value
// gets a printable character, so that a byte-level BPE vocabulary is plain text. Bytes that
// are already printable (! .. ~, ¡ .. ¬, ® .. ÿ) map to themselves; the other 68 map to
// U+0100, U+0101, ... in byte order.
#include <optional>
#include <string>
#include <string_view>

namespace depthscope::byte_level {

// The character (UTF-8) that stands for byte `b`.
const std::string& char_for_byte(unsigned char b);

// Every byte of `bytes` replaced by its character.
std::string encode(std::string_view bytes);

// The bytes spelled by `text`, or nullopt when a character of it is not in the map.
std::optional<std::string> decode(std::string_view text);

}  // namespace depthscope::byte_level
