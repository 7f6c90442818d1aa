#pragma once
// Strict parser for the header of a safetensors file. Torch-free (std + nlohmann json) so
// it can be fuzzed on its own (tests/fuzz/fuzz_safetensors.cpp).
//
// Layout: [8-byte little-endian header length N][N bytes of JSON][data section].
// The JSON maps tensor names to {"dtype", "shape", "data_offsets": [begin, end)} where the
// offsets are relative to the start of the data section, plus an optional "__metadata__"
// object of string -> string.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace depthscope {

// The element types DepthScope reads; every tensor is widened to float32 on load.
enum class SafetensorsDtype { f32, f16, bf16 };

const char* to_string(SafetensorsDtype d);  // "F32", "F16", "BF16" (as in the file)
std::size_t element_size(SafetensorsDtype d);

struct SafetensorsEntry {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::f32;
  std::vector<std::int64_t> shape;  // empty = scalar
  std::uint64_t begin = 0;          // byte offsets [begin, end) inside the data section
  std::uint64_t end = 0;
  std::int64_t numel() const;
};

struct SafetensorsHeader {
  std::uint64_t json_size = 0;   // N
  std::uint64_t data_start = 0;  // 8 + N: absolute offset of the data section
  std::uint64_t data_size = 0;   // bytes from data_start to the end of the buffer
  std::vector<SafetensorsEntry> tensors;  // sorted by begin offset
  std::map<std::string, std::string> metadata;

  // nullptr when absent.
  const SafetensorsEntry* find(const std::string& name) const;
};

// The safetensors reference implementation refuses headers above 100 MB; so do we.
constexpr std::uint64_t kMaxSafetensorsHeader = 100'000'000;

// Parse and validate the header of a whole file held in [data, data + size). Checks the
// length prefix, the JSON, each tensor's dtype, shape (non-negative, no overflow), that the
// byte count equals numel * element size, that offsets lie inside the data section and that
// no two tensors overlap (gaps are allowed). Throws FileError(file, field, problem), e.g.
// field "tensor 'model.norm.weight'.data_offsets".
SafetensorsHeader parse_safetensors_header(const std::uint8_t* data, std::size_t size,
                                           const std::string& file);

}  // namespace depthscope
