// libFuzzer target: parse_safetensors_header must either return a header whose every tensor
// lies inside the buffer, or throw FileError. Nothing else (no crash, no other exception).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "core/io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const depthscope::SafetensorsHeader h =
        depthscope::parse_safetensors_header(data, size, "fuzz.safetensors");
    for (const depthscope::SafetensorsEntry& e : h.tensors) {
      if (e.end > h.data_size || e.begin > e.end) std::abort();
      if (h.data_start + e.end > size) std::abort();
    }
  } catch (const depthscope::FileError&) {
  }
  return 0;
}
