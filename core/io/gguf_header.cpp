#include "core/io/gguf_header.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "core/error.h"

namespace depthscope {

namespace {

constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr int kMaxArrayDepth = 8;             // arrays of arrays: deeper nesting is refused
constexpr std::uint32_t kMaxDims = 4;         // GGML_MAX_DIMS

std::size_t scalar_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::u8: case GgufValueType::i8: case GgufValueType::boolean: return 1;
    case GgufValueType::u16: case GgufValueType::i16: return 2;
    case GgufValueType::u32: case GgufValueType::i32: case GgufValueType::f32: return 4;
    case GgufValueType::u64: case GgufValueType::i64: case GgufValueType::f64: return 8;
    default: return 0;  // string, array
  }
}

std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// The value of `bits` (of a scalar of type t) as a signed integer, saturating uint64.
std::int64_t integer_of(GgufValueType t, std::uint64_t bits) {
  switch (t) {
    case GgufValueType::u8: case GgufValueType::u16: case GgufValueType::u32:
      return static_cast<std::int64_t>(bits);
    case GgufValueType::u64:
      return bits > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(bits);
    case GgufValueType::i8: return static_cast<std::int8_t>(bits);
    case GgufValueType::i16: return static_cast<std::int16_t>(bits);
    case GgufValueType::i32: return static_cast<std::int32_t>(bits);
    case GgufValueType::i64: return static_cast<std::int64_t>(bits);
    case GgufValueType::boolean: return bits != 0;
    default: return 0;
  }
}

double number_of(GgufValueType t, std::uint64_t bits) {
  if (t == GgufValueType::f32) {
    const std::uint32_t b = static_cast<std::uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
  if (t == GgufValueType::f64) {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  if (t == GgufValueType::u64) return static_cast<double>(bits);
  return static_cast<double>(integer_of(t, bits));
}

// Reads the header front to back; every read is checked against the bytes left.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, const std::string& path) : p_(data), size_(size), path_(path) {}

  std::uint64_t left() const { return size_ - at_; }
  std::uint64_t at() const { return at_; }

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw FileError(path_, field, problem);
  }

  std::uint64_t uint(std::size_t n, const std::string& field) {
    if (left() < n)
      fail(field, "needs " + std::to_string(n) + " bytes at offset " + std::to_string(at_) + " but the file has " +
                      std::to_string(size_) + " bytes (truncated file?)");
    const std::uint64_t v = load_le(p_ + at_, n);
    at_ += n;
    return v;
  }

  std::string string(const std::string& field) {
    const std::uint64_t n = uint(8, field + " (string length)");
    if (n > left())
      fail(field, "string of " + std::to_string(n) + " bytes at offset " + std::to_string(at_) +
                      " runs past the end of the file (" + std::to_string(size_) + " bytes)");
    std::string s(reinterpret_cast<const char*>(p_ + at_), static_cast<std::size_t>(n));
    at_ += n;
    return s;
  }

  // A count of items that each take at least `min_bytes` in the file: refused when the rest
  // of the file could not hold them, before anything is allocated for them.
  std::uint64_t count(const std::string& field, std::uint64_t min_bytes) {
    const std::uint64_t n = uint(8, field);
    if (min_bytes > 0 && n > left() / min_bytes)
      fail(field, "count " + std::to_string(n) + " cannot fit in the " + std::to_string(left()) +
                      " bytes left in the file (each item takes at least " + std::to_string(min_bytes) + " bytes)");
    return n;
  }

  const std::uint8_t* bytes(std::uint64_t n, const std::string& field) {
    if (n > left()) fail(field, "runs past the end of the file");
    const std::uint8_t* q = p_ + at_;
    at_ += n;
    return q;
  }

 private:
  const std::uint8_t* p_;
  std::uint64_t size_;
  const std::string& path_;
  std::uint64_t at_ = 0;
};

GgufValueType value_type(Reader& in, const std::string& field) {
  const auto code = static_cast<std::uint32_t>(in.uint(4, field + " (type)"));
  if (code > static_cast<std::uint32_t>(GgufValueType::f64))
    in.fail(field, "unknown metadata value type " + std::to_string(code) + " (GGUF defines 0..12)");
  return static_cast<GgufValueType>(code);
}

// The fewest bytes one value of type t takes in the file (for bounding counts).
std::uint64_t min_value_bytes(GgufValueType t) {
  if (t == GgufValueType::string) return 8;
  if (t == GgufValueType::array) return 12;
  return scalar_size(t);
}

GgufValue read_value(Reader& in, GgufValueType type, const std::string& field, int depth) {
  GgufValue v;
  v.type = type;
  if (type == GgufValueType::string) {
    v.str = in.string(field);
  } else if (type != GgufValueType::array) {
    v.bits = in.uint(scalar_size(type), field);
    if (type == GgufValueType::boolean && v.bits > 1)
      in.fail(field, "bool value " + std::to_string(v.bits) + " is neither 0 nor 1");
  } else {
    if (depth >= kMaxArrayDepth)
      in.fail(field, "arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    v.element_type = value_type(in, field + " (array element)");
    v.count = in.count(field + " (array length)", min_value_bytes(v.element_type));
    if (v.element_type == GgufValueType::string) {
      v.strings.reserve(static_cast<std::size_t>(v.count));
      for (std::uint64_t i = 0; i < v.count; ++i)
        v.strings.push_back(in.string(field + "[" + std::to_string(i) + "]"));
    } else if (v.element_type == GgufValueType::array) {
      for (std::uint64_t i = 0; i < v.count; ++i) {
        const std::string item = field + "[" + std::to_string(i) + "]";
        v.arrays.push_back(read_value(in, GgufValueType::array, item, depth + 1));
      }
    } else {
      const std::uint64_t n = v.count * scalar_size(v.element_type);  // bounded by count()
      const std::uint8_t* p = in.bytes(n, field);
      v.raw.assign(p, p + n);
      if (v.element_type == GgufValueType::boolean)
        for (std::uint64_t i = 0; i < v.count; ++i)
          if (v.raw[i] > 1) in.fail(field + "[" + std::to_string(i) + "]", "bool value is neither 0 nor 1");
    }
  }
  return v;
}

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, Reader& in, const std::string& field) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) in.fail(field, "size overflows 64 bits");
  return a * b;
}

GgufTensorInfo read_tensor_info(Reader& in, std::uint64_t index) {
  GgufTensorInfo t;
  const std::string at = "tensor " + std::to_string(index);
  t.name = in.string(at + " name");
  const std::string field = "tensor '" + t.name + "'";
  if (t.name.empty()) in.fail(at + " name", "is empty");
  const auto n_dims = static_cast<std::uint32_t>(in.uint(4, field + " n_dims"));
  if (n_dims < 1 || n_dims > kMaxDims)
    in.fail(field, "has " + std::to_string(n_dims) + " dimensions, expected 1.." + std::to_string(kMaxDims));
  std::uint64_t elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    const std::uint64_t n = in.uint(8, field + " dims");
    if (n == 0 || n > (std::uint64_t{1} << 40))
      in.fail(field, "dimension " + std::to_string(d) + " is " + std::to_string(n) + ", expected 1..2^40");
    elements = checked_mul(elements, n, in, field);
    if (elements > (std::uint64_t{1} << 48)) in.fail(field, "has more than 2^48 elements");
    t.dims.push_back(static_cast<std::int64_t>(n));
  }
  const auto code = static_cast<std::uint32_t>(in.uint(4, field + " type"));
  if (!is_known_ggml_type(code)) in.fail(field, "unknown ggml type " + std::to_string(code));
  t.type = static_cast<GgmlType>(code);
  const GgmlTypeInfo info = ggml_type_info(code);
  if (t.dims[0] % info.block_elements != 0)
    in.fail(field, "row length " + std::to_string(t.dims[0]) + " is not a multiple of " + info.name + "'s block of " +
                       std::to_string(info.block_elements) + " elements");
  t.bytes = elements / static_cast<std::uint64_t>(info.block_elements) * static_cast<std::uint64_t>(info.block_bytes);
  t.offset = in.uint(8, field + " offset");
  return t;
}

}  // namespace

bool GgufValue::is_integer() const {
  return type != GgufValueType::f32 && type != GgufValueType::f64 && type != GgufValueType::boolean &&
         scalar_size(type) > 0;
}
bool GgufValue::is_float() const { return type == GgufValueType::f32 || type == GgufValueType::f64; }
std::int64_t GgufValue::integer() const { return integer_of(type, bits); }
double GgufValue::number() const { return number_of(type, bits); }

std::int64_t GgufValue::integer_at(std::uint64_t i) const {
  const std::size_t n = scalar_size(element_type);
  if (n == 0 || i >= count) return 0;
  return integer_of(element_type, load_le(raw.data() + i * n, n));
}

double GgufValue::number_at(std::uint64_t i) const {
  const std::size_t n = scalar_size(element_type);
  if (n == 0 || i >= count) return 0;
  return number_of(element_type, load_le(raw.data() + i * n, n));
}

std::int64_t GgufTensorInfo::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  return n;
}

std::vector<std::int64_t> GgufTensorInfo::shape() const { return {dims.rbegin(), dims.rend()}; }

const GgufValue* GgufHeader::find(const std::string& key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return &v;
  return nullptr;
}

const GgufTensorInfo* GgufHeader::tensor(const std::string& name) const {
  for (const GgufTensorInfo& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

std::string GgufHeader::get_string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw FileError(path, key, "missing");
  if (v->type != GgufValueType::string)
    throw FileError(path, key, "expected a string, found " + gguf_value_type_name(static_cast<std::uint32_t>(v->type)));
  return v->str;
}

std::string GgufHeader::get_string(const std::string& key, const std::string& fallback) const {
  return find(key) ? get_string(key) : fallback;
}

std::int64_t GgufHeader::get_int(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw FileError(path, key, "missing");
  if (!v->is_integer())
    throw FileError(path, key, "expected an integer, found " + gguf_value_type_name(static_cast<std::uint32_t>(v->type)));
  return v->integer();
}

std::int64_t GgufHeader::get_int(const std::string& key, std::int64_t fallback) const {
  return find(key) ? get_int(key) : fallback;
}

double GgufHeader::get_number(const std::string& key, double fallback) const {
  const GgufValue* v = find(key);
  if (!v) return fallback;
  if (!v->is_integer() && !v->is_float())
    throw FileError(path, key, "expected a number, found " + gguf_value_type_name(static_cast<std::uint32_t>(v->type)));
  return v->number();
}

bool GgufHeader::get_bool(const std::string& key, bool fallback) const {
  const GgufValue* v = find(key);
  if (!v) return fallback;
  if (v->type != GgufValueType::boolean)
    throw FileError(path, key, "expected a bool, found " + gguf_value_type_name(static_cast<std::uint32_t>(v->type)));
  return v->bits != 0;
}

const GgufValue& GgufHeader::get_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw FileError(path, key, "missing");
  if (v->type != GgufValueType::array)
    throw FileError(path, key, "expected an array, found " + gguf_value_type_name(static_cast<std::uint32_t>(v->type)));
  return *v;
}

const GgufValue& GgufHeader::get_array(const std::string& key, GgufValueType element) const {
  const GgufValue& v = get_array(key);
  if (v.element_type != element)
    throw FileError(path, key, "expected an array of " + gguf_value_type_name(static_cast<std::uint32_t>(element)) +
                                   ", found an array of " + gguf_value_type_name(static_cast<std::uint32_t>(v.element_type)));
  return v;
}

bool has_gguf_magic(const std::uint8_t* data, std::size_t size) { return size >= 4 && load_le(data, 4) == kMagic; }

GgufHeader parse_gguf_header(const std::uint8_t* data, std::size_t size, const std::string& path) {
  GgufHeader h;
  h.path = path;
  Reader in(data, size, path);
  if (in.uint(4, "magic") != kMagic)
    in.fail("magic", "the file does not start with \"GGUF\" (not a GGUF file)");
  h.version = static_cast<std::uint32_t>(in.uint(4, "version"));
  if (h.version == 1)
    in.fail("version", "GGUF version 1 (32-bit counts, 2023) is not supported; convert it with a current llama.cpp");
  if (h.version != 2 && h.version != 3) {
    const bool swapped = h.version == 0x02000000u || h.version == 0x03000000u;
    in.fail("version", swapped ? "this is a big-endian GGUF file; only little-endian files are supported"
                               : "unknown GGUF version " + std::to_string(h.version) + " (supported: 2 and 3)");
  }
  // Each tensor entry takes at least 8 (name length) + 4 (n_dims) + 8 (one dim) + 4 + 8 bytes;
  // each metadata pair at least 8 (key length) + 4 (type) + 1 (value).
  const std::uint64_t n_tensors = in.count("tensor_count", 32);
  const std::uint64_t n_kv = in.count("metadata_kv_count", 13);
  std::set<std::string> keys;
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    const std::string key = in.string("metadata " + std::to_string(i) + " key");
    if (key.empty()) in.fail("metadata " + std::to_string(i) + " key", "is empty");
    if (!keys.insert(key).second) in.fail(key, "appears twice in the metadata");
    const GgufValueType type = value_type(in, key);
    h.metadata.emplace_back(key, read_value(in, type, key, 0));
  }
  if (const GgufValue* a = h.find("general.alignment")) {
    if (a->type != GgufValueType::u32)
      in.fail("general.alignment", "expected uint32, found " + gguf_value_type_name(static_cast<std::uint32_t>(a->type)));
    if (a->bits == 0 || (a->bits & (a->bits - 1)) != 0)
      in.fail("general.alignment", std::to_string(a->bits) + " is not a power of two");
    h.alignment = a->bits;
  }
  std::set<std::string> names;
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    h.tensors.push_back(read_tensor_info(in, i));
    if (!names.insert(h.tensors.back().name).second)
      in.fail("tensor '" + h.tensors.back().name + "'", "appears twice in the tensor table");
  }
  const std::uint64_t end = in.at();
  h.data_start = (end + h.alignment - 1) / h.alignment * h.alignment;  // end < size, alignment <= 2^31
  const std::uint64_t data_size = h.data_start <= size ? size - h.data_start : 0;
  if (!h.tensors.empty() && h.data_start > size)
    in.fail("tensor data", "starts at offset " + std::to_string(h.data_start) + ", past the end of the file (" +
                               std::to_string(size) + " bytes)");
  std::vector<std::pair<std::uint64_t, const GgufTensorInfo*>> spans;
  for (const GgufTensorInfo& t : h.tensors) {
    const std::string field = "tensor '" + t.name + "'";
    if (t.offset % h.alignment != 0)
      in.fail(field, "data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                         std::to_string(h.alignment) + " (misaligned)");
    if (t.offset > data_size || t.bytes > data_size - t.offset)
      in.fail(field, "data [" + std::to_string(t.offset) + ", " + std::to_string(t.offset) + " + " +
                         std::to_string(t.bytes) + ") runs past the end of the file (" + std::to_string(data_size) +
                         " data bytes from offset " + std::to_string(h.data_start) + "; truncated file?)");
    spans.emplace_back(t.offset, &t);
  }
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < spans.size(); ++i) {
    const GgufTensorInfo& prev = *spans[i - 1].second;
    if (prev.offset + prev.bytes > spans[i].first)
      in.fail("tensor '" + spans[i].second->name + "'", "data overlaps tensor '" + prev.name + "'");
  }
  return h;
}

}  // namespace depthscope
