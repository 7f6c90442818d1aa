#pragma once
// An opened GGUF file: its read-only mapping (MappedFile) and validated header
// (gguf_header.h), and its tensors as ATen tensors.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

#include "core/io/gguf_header.h"
#include "core/io/mapped_file.h"

namespace depthscope {

struct GgufFile {
  std::string path;
  std::shared_ptr<MappedFile> map;
  GgufHeader header;
  const std::uint8_t* data(const GgufTensorInfo& t) const { return map->data() + header.data_start + t.offset; }
};

// Maps and parses `path`; FileError naming the file and field for anything malformed.
GgufFile open_gguf(const std::string& path);

// Whether the file at `path` starts with GGUF's magic (false when it cannot be read).
bool is_gguf_file(const std::string& path);

// One tensor in row-major shape (dims reversed). F32, F16 and BF16 keep the file's dtype as a
// view of the read-only mapping (copied once when misaligned); quantised types are
// dequantised to a new float32 tensor (gguf_dequant.h). FileError naming the tensor and its
// type for a type that cannot be dequantised.
at::Tensor read_gguf_tensor(const GgufFile& file, const GgufTensorInfo& t);

}  // namespace depthscope
