#include "core/io/gguf_file.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/io/gguf_dequant.h"
#include "core/runtime/parallel.h"

namespace depthscope {

GgufFile open_gguf(const std::string& path) {
  GgufFile f;
  f.path = path;
  f.map = MappedFile::open(path);
  f.header = parse_gguf_header(f.map->data(), f.map->size(), path);
  return f;
}

bool is_gguf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::uint8_t magic[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(magic), 4)) return false;
  return has_gguf_magic(magic, 4);
}

at::Tensor read_gguf_tensor(const GgufFile& file, const GgufTensorInfo& t) {
  const std::vector<std::int64_t> shape = t.shape();
  const std::uint8_t* p = file.data(t);
  at::ScalarType stored = at::kFloat;
  bool plain = true;
  switch (t.type) {
    case GgmlType::f32: stored = at::kFloat; break;
    case GgmlType::f16: stored = at::kHalf; break;
    case GgmlType::bf16: stored = at::kBFloat16; break;
    default: plain = false;
  }
  if (plain) {
    const std::size_t element = t.type == GgmlType::f32 ? 4 : 2;
    if (reinterpret_cast<std::uintptr_t>(p) % element == 0) {
      std::shared_ptr<MappedFile> keep = file.map;
      return at::from_blob(file.map->mutable_data() + file.header.data_start + t.offset, shape,
                           [keep](void*) mutable { keep.reset(); }, at::TensorOptions().dtype(stored));
    }
    at::Tensor copy = at::empty(shape, at::TensorOptions().dtype(stored));
    std::memcpy(copy.data_ptr(), p, static_cast<std::size_t>(t.bytes));
    return copy;
  }
  if (!can_dequantize(t.type))
    throw FileError(file.path, "tensor '" + t.name + "'",
                    "type " + ggml_type_label(t.type) + " cannot be dequantised (supported: " + dequantizable_types() + ")");
  at::Tensor out = at::empty(shape, at::TensorOptions().dtype(at::kFloat));  // [rows..., row]
  const std::int64_t row = t.dims[0];
  const std::int64_t rows = t.elements() / row;
  const GgmlTypeInfo info = ggml_type_info(static_cast<std::uint32_t>(t.type));
  const std::int64_t row_bytes = row / info.block_elements * info.block_bytes;
  float* dst = out.data_ptr<float>();
  // Rows are independent; a chunk of at least 64K elements per worker.
  const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 16) / row);
  parallel_for(0, rows, grain, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) dequantize_row(t.type, p + r * row_bytes, dst + r * row, row);
  });
  return out;
}

}  // namespace depthscope
