#pragma once
// Hand-built GGUF bytes for tests: a little-endian writer of the format's fields, and a
// small file builder (metadata + tensors with raw block bytes) that lays tensors out at
// the alignment as llama.cpp does.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace depthscope::test {

struct GgufBytes {
  std::string b;
  GgufBytes& u8(std::uint8_t v) { b.push_back(static_cast<char>(v)); return *this; }
  GgufBytes& u16(std::uint16_t v) { return le(v, 2); }
  GgufBytes& u32(std::uint32_t v) { return le(v, 4); }
  GgufBytes& u64(std::uint64_t v) { return le(v, 8); }
  GgufBytes& f32(float f) {
    std::uint32_t v;
    std::memcpy(&v, &f, 4);
    return le(v, 4);
  }
  GgufBytes& str(const std::string& s) {
    u64(s.size());
    b += s;
    return *this;
  }
  GgufBytes& raw(const std::string& s) {
    b += s;
    return *this;
  }
  GgufBytes& le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(b.data()); }
  std::size_t size() const { return b.size(); }
};

// A whole GGUF v3 file. Metadata values are given as already-encoded bytes (type + value).
class GgufBuilder {
 public:
  struct Tensor {
    std::string name;
    std::vector<std::uint64_t> dims;  // innermost first
    std::uint32_t type;
    std::string data;                 // raw bytes as stored
  };

  GgufBuilder& kv(const std::string& key, std::uint32_t type, const GgufBytes& value) {
    kvs_.push_back({key, type, value.b});
    return *this;
  }
  GgufBuilder& kv_string(const std::string& key, const std::string& v) { return kv(key, 8, GgufBytes().str(v)); }
  GgufBuilder& kv_u32(const std::string& key, std::uint32_t v) { return kv(key, 4, GgufBytes().u32(v)); }
  GgufBuilder& kv_f32(const std::string& key, float v) { return kv(key, 6, GgufBytes().f32(v)); }
  GgufBuilder& tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type, std::string data) {
    tensors_.push_back({name, std::move(dims), type, std::move(data)});
    return *this;
  }

  std::string bytes(std::uint64_t alignment = 32) const {
    GgufBytes h;
    h.raw("GGUF").u32(3).u64(tensors_.size()).u64(kvs_.size());
    for (const auto& [key, type, value] : kvs_) h.str(key).u32(type).raw(value);
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> offsets;
    for (const Tensor& t : tensors_) {
      h.str(t.name).u32(static_cast<std::uint32_t>(t.dims.size()));
      for (std::uint64_t d : t.dims) h.u64(d);
      h.u32(t.type).u64(offset);
      offsets.push_back(offset);
      offset = (offset + t.data.size() + alignment - 1) / alignment * alignment;
    }
    std::string out = h.b;
    out.resize((out.size() + alignment - 1) / alignment * alignment, '\0');
    const std::size_t start = out.size();
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
      out.resize(start + offsets[i], '\0');
      out += tensors_[i].data;
    }
    return out;
  }

  std::string write(const std::string& path) const {
    std::ofstream(path, std::ios::binary) << bytes();
    return path;
  }

 private:
  struct Kv {
    std::string key;
    std::uint32_t type;
    std::string value;
  };
  std::vector<Kv> kvs_;
  std::vector<Tensor> tensors_;
};

}  // namespace depthscope::test
