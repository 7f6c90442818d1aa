#include "core/io/safetensors_header.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "core/error.h"

namespace depthscope {

namespace {

using json = nlohmann::json;

std::string tensor_field(const std::string& name, const char* key) {
  return "tensor '" + name + "'." + key;
}

// A JSON value that must be a non-negative integer.
bool as_unsigned(const json& v, std::uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<std::uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {
    out = static_cast<std::uint64_t>(v.get<std::int64_t>());
    return true;
  }
  return false;
}

SafetensorsDtype parse_dtype(const json& v, const std::string& name, const std::string& file) {
  const std::string field = tensor_field(name, "dtype");
  if (!v.is_string()) throw FileError(file, field, "expected a string such as \"F32\"");
  const std::string s = v.get<std::string>();
  if (s == "F32") return SafetensorsDtype::f32;
  if (s == "F16") return SafetensorsDtype::f16;
  if (s == "BF16") return SafetensorsDtype::bf16;
  static const std::set<std::string> known = {"F64", "I64", "I32", "I16", "I8", "U64", "U32",
                                              "U16", "U8", "BOOL", "F8_E4M3", "F8_E5M2"};
  if (known.count(s))
    throw FileError(file, field,
                    "dtype " + s + " is not supported (DepthScope reads F32, F16 and BF16)");
  throw FileError(file, field, "unknown dtype '" + s + "' (DepthScope reads F32, F16 and BF16)");
}

SafetensorsEntry parse_entry(const std::string& name, const json& v, const std::string& file) {
  if (!v.is_object())
    throw FileError(file, "tensor '" + name + "'",
                    "expected an object with dtype, shape and data_offsets");
  SafetensorsEntry e;
  e.name = name;
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!v.contains(key)) throw FileError(file, tensor_field(name, key), "missing");
  e.dtype = parse_dtype(v.at("dtype"), name, file);

  const json& shape = v.at("shape");
  const std::string shape_field = tensor_field(name, "shape");
  if (!shape.is_array()) throw FileError(file, shape_field, "expected an array of integers");
  std::uint64_t numel = 1;
  for (const json& dim : shape) {
    std::uint64_t n = 0;
    if (!as_unsigned(dim, n) || n > static_cast<std::uint64_t>(INT64_MAX))
      throw FileError(file, shape_field, "dimensions must be non-negative integers, got " + dim.dump());
    if (__builtin_mul_overflow(numel, n, &numel))
      throw FileError(file, shape_field, "element count overflows 64 bits: " + shape.dump());
    e.shape.push_back(static_cast<std::int64_t>(n));
  }

  const json& offsets = v.at("data_offsets");
  const std::string off_field = tensor_field(name, "data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !as_unsigned(offsets[0], e.begin) ||
      !as_unsigned(offsets[1], e.end))
    throw FileError(file, off_field, "expected [begin, end] as two non-negative integers, got " +
                                         offsets.dump());
  if (e.end < e.begin)
    throw FileError(file, off_field,
                    "end " + std::to_string(e.end) + " is before begin " + std::to_string(e.begin));

  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<std::uint64_t>(element_size(e.dtype)), &bytes) ||
      bytes > static_cast<std::uint64_t>(INT64_MAX))
    throw FileError(file, shape_field, "byte count overflows 64 bits: " + shape.dump());
  if (e.end - e.begin != bytes)
    throw FileError(file, off_field,
                    "holds " + std::to_string(e.end - e.begin) + " bytes but shape " + shape.dump() +
                        " of " + to_string(e.dtype) + " needs " + std::to_string(bytes));
  return e;
}

}  // namespace

const char* to_string(SafetensorsDtype d) {
  switch (d) {
    case SafetensorsDtype::f32: return "F32";
    case SafetensorsDtype::f16: return "F16";
    case SafetensorsDtype::bf16: return "BF16";
  }
  return "?";
}

std::size_t element_size(SafetensorsDtype d) { return d == SafetensorsDtype::f32 ? 4 : 2; }

std::int64_t SafetensorsEntry::numel() const {
  std::int64_t n = 1;
  for (std::int64_t s : shape) n *= s;  // validated against overflow by the parser
  return n;
}

const SafetensorsEntry* SafetensorsHeader::find(const std::string& name) const {
  for (const SafetensorsEntry& e : tensors)
    if (e.name == name) return &e;
  return nullptr;
}

SafetensorsHeader parse_safetensors_header(const std::uint8_t* data, std::size_t size,
                                           const std::string& file) {
  if (size < 8)
    throw FileError(file, "header length",
                    "file is " + std::to_string(size) +
                        " bytes, too short for the 8-byte header length (truncated file?)");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];  // little-endian u64
  SafetensorsHeader h;
  h.json_size = n;
  if (n > size - 8)
    throw FileError(file, "header length",
                    "header of " + std::to_string(n) + " bytes runs past the end of the file (" +
                        std::to_string(size) + " bytes; truncated or not a safetensors file)");
  if (n > kMaxSafetensorsHeader)
    throw FileError(file, "header length",
                    "header of " + std::to_string(n) + " bytes exceeds the 100 MB limit");
  if (n < 2 || data[8] != '{')
    throw FileError(file, "header", "does not start with '{' (not a safetensors file?)");
  h.data_start = 8 + n;
  h.data_size = size - h.data_start;

  // Parse with a callback that notices repeated top-level keys (JSON objects would keep
  // only the last one silently).
  std::set<std::string> keys;
  std::string duplicate;
  const char* begin = reinterpret_cast<const char*>(data + 8);
  json root;
  try {
    root = json::parse(begin, begin + n,
                       [&](int depth, json::parse_event_t event, json& parsed) {
                         if (event == json::parse_event_t::key && depth == 1 &&
                             !keys.insert(parsed.get<std::string>()).second && duplicate.empty())
                           duplicate = parsed.get<std::string>();
                         return true;
                       });
  } catch (const json::exception& e) {
    throw FileError(file, "header", std::string("malformed JSON: ") + e.what());
  }
  if (!root.is_object()) throw FileError(file, "header", "expected a JSON object");
  if (!duplicate.empty()) throw FileError(file, "tensor '" + duplicate + "'", "listed twice");

  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object())
        throw FileError(file, "__metadata__", "expected an object of string values");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw FileError(file, "__metadata__." + m.key(), "expected a string, got " + m.value().dump());
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    SafetensorsEntry e = parse_entry(it.key(), it.value(), file);
    if (e.end > h.data_size)
      throw FileError(file, tensor_field(e.name, "data_offsets"),
                      "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                          ") runs past the data section of " + std::to_string(h.data_size) +
                          " bytes (truncated file?)");
    h.tensors.push_back(std::move(e));
  }

  std::sort(h.tensors.begin(), h.tensors.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // Sorted by begin, a tensor overlaps an earlier one exactly when it starts before the
  // furthest end seen so far. Empty tensors occupy no bytes and overlap nothing.
  const SafetensorsEntry* furthest = nullptr;
  for (const SafetensorsEntry& cur : h.tensors) {
    if (cur.begin == cur.end) continue;
    if (furthest && cur.begin < furthest->end)
      throw FileError(file, tensor_field(cur.name, "data_offsets"),
                      "[" + std::to_string(cur.begin) + ", " + std::to_string(cur.end) +
                          ") overlaps tensor '" + furthest->name + "' [" +
                          std::to_string(furthest->begin) + ", " + std::to_string(furthest->end) + ")");
    if (!furthest || cur.end > furthest->end) furthest = &cur;
  }
  return h;
}

}  // namespace depthscope
