// libFuzzer target: parse_gguf_header must either return a header whose every tensor lies
// inside the buffer (and dequantises without reading past it), or throw FileError. Nothing
// else (no crash, no other exception, no huge allocation: libFuzzer's -rss_limit_mb).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "core/io/gguf_dequant.h"
#include "core/io/gguf_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const depthscope::GgufHeader h = depthscope::parse_gguf_header(data, size, "fuzz.gguf");
    for (const depthscope::GgufTensorInfo& t : h.tensors) {
      if (h.data_start + t.offset + t.bytes > size || t.offset % h.alignment != 0) std::abort();
      if (depthscope::can_dequantize(t.type) && t.elements() <= (1 << 16)) {
        std::vector<float> out(static_cast<std::size_t>(t.elements()));
        depthscope::dequantize_row(t.type, data + h.data_start + t.offset, out.data(), t.elements());
      }
    }
  } catch (const depthscope::FileError&) {
  }
  return 0;
}
