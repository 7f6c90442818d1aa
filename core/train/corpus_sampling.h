#pragma once
// The pure functions behind the corpus's randomness: which split a document goes to, and
// where a training window starts. No state, so a resumed run draws exactly the windows an
// uninterrupted one would have. Torch-free.
#include <cstdint>
#include <string_view>

namespace depthscope {

// splitmix64's finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// FNV-1a, 64-bit, over the bytes of a document.
constexpr std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  return h;
}

// A document's split score in [0, 1): a function of its bytes and the split seed only, so
// identical documents (repeated fortunes) land on the same side, and adding files moves no
// existing document. The document goes to validation when score < validation fraction.
inline double document_split_score(std::string_view document, std::uint64_t split_seed) {
  return static_cast<double>(splitmix64(fnv1a64(document) ^ splitmix64(split_seed)) >> 11) * 0x1.0p-53;
}

// The hash of one training window: (seed, step, micro, row) -> 64 bits, each argument
// mixed in turn, so neighbouring steps or rows give unrelated values.
constexpr std::uint64_t window_hash(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t row) {
  std::uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ static_cast<std::uint64_t>(step));
  h = splitmix64(h ^ static_cast<std::uint64_t>(micro));
  return splitmix64(h ^ static_cast<std::uint64_t>(row));
}

// Start of the window in [0, starts): Lemire's multiply-shift maps the hash onto the range
// without a modulo (bias < starts / 2^64).
inline std::int64_t window_start(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t row,
                                 std::int64_t starts) {
  const unsigned __int128 wide = static_cast<unsigned __int128>(window_hash(seed, step, micro, row)) *
                                 static_cast<std::uint64_t>(starts);
  return static_cast<std::int64_t>(wide >> 64);
}

}  // namespace depthscope
