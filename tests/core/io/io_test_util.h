#pragma once
// Helpers for the io tests: build safetensors byte buffers by hand and write files.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace depthscope::test {

// [8-byte LE length][json][data]
inline std::vector<std::uint8_t> safetensors_bytes(const std::string& json, std::size_t data_bytes,
                                                   std::uint8_t fill = 0) {
  std::vector<std::uint8_t> b(8 + json.size() + data_bytes, fill);
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(n >> (8 * i));
  std::copy(json.begin(), json.end(), b.begin() + 8);
  return b;
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace depthscope::test
