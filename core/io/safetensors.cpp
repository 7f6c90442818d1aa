#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <set>

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace depthscope {

namespace {

at::ScalarType scalar_type(SafetensorsDtype d) {
  switch (d) {
    case SafetensorsDtype::f32: return at::kFloat;
    case SafetensorsDtype::f16: return at::kHalf;
    case SafetensorsDtype::bf16: return at::kBFloat16;
  }
  return at::kFloat;
}

}  // namespace

SafetensorsFile open_safetensors(const std::string& path) {
  SafetensorsFile f;
  f.path = path;
  f.map = MappedFile::open(path);
  f.header = parse_safetensors_header(f.map->data(), f.map->size(), path);
  return f;
}

at::Tensor read_tensor_as_stored(const SafetensorsFile& file, const SafetensorsEntry& e) {
  const std::vector<std::int64_t>& shape = e.shape;
  std::uint8_t* p = file.map->mutable_data() + file.header.data_start + e.begin;
  const at::ScalarType type = scalar_type(e.dtype);
  const std::size_t bytes = e.end - e.begin;
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  if (addr % element_size(e.dtype) == 0) {
    // Zero-copy: the tensor aliases the mapping, whose lifetime the deleter extends.
    std::shared_ptr<MappedFile> keep = file.map;
    return at::from_blob(p, shape, [keep](void*) mutable { keep.reset(); }, at::TensorOptions().dtype(type));
  }
  // Misaligned: one copy into an aligned buffer of the stored type.
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type));
  if (bytes > 0) std::memcpy(t.data_ptr(), p, bytes);
  return t;
}

at::Tensor read_tensor(const SafetensorsFile& file, const SafetensorsEntry& e) {
  static_assert(sizeof(float) == 4, "float32 expected");
  return read_tensor_as_stored(file, e).to(at::kFloat);  // F32: the same tensor, no copy
}

NamedTensors load_safetensors(const std::string& path, const RunControl& control) {
  const SafetensorsFile f = open_safetensors(path);
  NamedTensors out;
  out.reserve(f.header.tensors.size());
  const double total = static_cast<double>(f.header.tensors.size());
  for (const SafetensorsEntry& e : f.header.tensors) {
    control.check_cancel();
    out.emplace_back(e.name, read_tensor(f, e));
    control.report(static_cast<double>(out.size()), total, e.name);
  }
  return out;
}

SafetensorsDtype safetensors_dtype_from_string(const std::string& name) {
  if (name == "f32" || name == "F32" || name == "float32") return SafetensorsDtype::f32;
  if (name == "f16" || name == "F16" || name == "float16") return SafetensorsDtype::f16;
  if (name == "bf16" || name == "BF16" || name == "bfloat16") return SafetensorsDtype::bf16;
  throw UsageError("dtype '" + name + "': expected f32, f16 or bf16");
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata, SafetensorsDtype dtype) {
  const at::ScalarType type = dtype == SafetensorsDtype::f16    ? at::kHalf
                              : dtype == SafetensorsDtype::bf16 ? at::kBFloat16
                                                                : at::kFloat;
  const std::uint64_t element = dtype == SafetensorsDtype::f32 ? 4 : 2;
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> data;
  data.reserve(tensors.size());
  std::set<std::string> seen;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__")
      throw UsageError("save_safetensors: invalid tensor name '" + name + "'");
    if (!seen.insert(name).second)
      throw UsageError("save_safetensors: tensor '" + name + "' given twice");
    if (!tensor.defined()) throw UsageError("save_safetensors: tensor '" + name + "' is undefined");
    at::Tensor t = tensor.detach().to(at::kCPU, at::kFloat).to(type).contiguous();
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * element;
    header[name] = {{"dtype", to_string(dtype)}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(t));
  }
  std::string json = header.dump();
  // Pad with spaces so the data section starts 8-byte aligned: every F32 tensor then loads
  // zero-copy.
  while ((8 + json.size()) % 8 != 0) json.push_back(' ');
  std::uint8_t len[8];
  std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(n >> (8 * i));

  AtomicFileWriter out(path);
  out.write(len, 8);
  out.write(json);
  for (const at::Tensor& t : data) out.write(t.data_ptr(), static_cast<std::size_t>(t.numel() * element));
  out.commit();
}

}  // namespace depthscope
