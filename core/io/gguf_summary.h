#pragma once
// The storage of a GGUF file tensor by tensor, for `depthscope-cli inspect`: ggml type, shape,
// bytes and bits per weight, and the file's bits per weight overall. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "core/io/gguf_header.h"

namespace depthscope {

struct GgufTensorRow {
  std::string name;
  std::string type;                  // "Q4_K", "F32", ...
  std::vector<std::int64_t> shape;   // row-major (torch order)
  std::int64_t elements = 0;
  std::int64_t bytes = 0;
  double bits_per_weight = 0;        // 8 * bytes / elements
};

struct GgufStorage {
  std::uint32_t version = 0;
  std::string architecture;
  std::vector<GgufTensorRow> tensors;  // file order
  std::int64_t elements = 0, bytes = 0;
  double bits_per_weight = 0;          // over all tensors
};

GgufStorage gguf_storage(const GgufHeader& h);

}  // namespace depthscope
