#pragma once
// A strict parser of GGUF headers (llama.cpp's file format, versions 2 and 3, little-endian):
// magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata count, the metadata
// key/value pairs, the tensor table (name, dims innermost first, ggml type, offset), then the
// tensor data from the first multiple of general.alignment (default 32).
//
// Every count, length, offset and size is checked against the buffer before it is used, so
// hostile input gives FileError(file, field, problem) and never a crash or an allocation
// larger than a small multiple of the buffer. Torch-free (fuzzed: tests/fuzz/fuzz_gguf.cpp).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/io/gguf_types.h"

namespace depthscope {

// One metadata value. Scalars keep their little-endian bits; arrays of numbers keep their
// elements as stored (raw), arrays of strings their strings, arrays of arrays their items.
struct GgufValue {
  GgufValueType type = GgufValueType::u8;
  std::uint64_t bits = 0;                  // numeric and bool scalars
  std::string str;                         // string
  GgufValueType element_type = GgufValueType::u8;  // array
  std::uint64_t count = 0;                 // array length
  std::vector<std::uint8_t> raw;           // array of numbers or bools: count * element size bytes
  std::vector<std::string> strings;        // array of strings
  std::vector<GgufValue> arrays;           // array of arrays

  bool is_integer() const;  // any integer type (bool is not)
  bool is_float() const;    // float32 or float64
  std::int64_t integer() const;  // an integer scalar (uint64 above INT64_MAX saturates)
  double number() const;         // an integer or float scalar
  // Element i of an array of numbers, as an integer or a double.
  std::int64_t integer_at(std::uint64_t i) const;
  double number_at(std::uint64_t i) const;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<std::int64_t> dims;  // as stored: dims[0] is the innermost (row length)
  GgmlType type = GgmlType::f32;
  std::uint64_t offset = 0;        // from data_start
  std::uint64_t bytes = 0;
  std::int64_t elements() const;
  // The shape in row-major (torch) order: dims reversed.
  std::vector<std::int64_t> shape() const;
};

struct GgufHeader {
  std::string path;  // for messages
  std::uint32_t version = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata;  // file order
  std::vector<GgufTensorInfo> tensors;                     // file order
  std::uint64_t alignment = 32;
  std::uint64_t data_start = 0;

  const GgufValue* find(const std::string& key) const;
  const GgufTensorInfo* tensor(const std::string& name) const;
  // Typed look-ups: FileError(path, key, ...) when present with another type, or missing
  // without a fallback.
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::int64_t get_int(const std::string& key) const;
  std::int64_t get_int(const std::string& key, std::int64_t fallback) const;
  double get_number(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  // An array key: FileError when missing, not an array, or of another element type.
  const GgufValue& get_array(const std::string& key, GgufValueType element) const;
  const GgufValue& get_array(const std::string& key) const;  // any element type
};

// Parses the header of a GGUF file held in `data` [size bytes]; every tensor it lists lies
// inside the buffer. `path` names the file in errors.
GgufHeader parse_gguf_header(const std::uint8_t* data, std::size_t size, const std::string& path);

// Whether the buffer starts with GGUF's magic.
bool has_gguf_magic(const std::uint8_t* data, std::size_t size);

}  // namespace depthscope
