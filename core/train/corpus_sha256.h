#pragma once
// SHA-256 (FIPS 180-4), for corpus.json's file checksums and the corpus cache key. Torch-free.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace depthscope {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t bytes);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // 64 lowercase hex digits. Call once; the object is spent afterwards.
  std::string hex_digest();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(const std::string& bytes);

}  // namespace depthscope
