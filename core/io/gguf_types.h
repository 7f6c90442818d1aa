#pragma once
// The type codes of llama.cpp's GGUF format (ggml.h, gguf.h): metadata value types and
// tensor (ggml) types with their block layout. Torch-free: the header parser is fuzzed.
#include <cstdint>
#include <string>

namespace depthscope {

// gguf_type: the type of a metadata value.
enum class GgufValueType : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

// ggml_type: how a tensor's elements are stored. Codes 4, 5 and 31..33, 36..38 were removed
// from ggml and are unknown here.
enum class GgmlType : std::uint32_t {
  f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9,
  q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15,
  iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22,
  iq4_xs = 23, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30,
  tq1_0 = 34, tq2_0 = 35, mxfp4 = 39,
};

// A ggml type's storage: `block_elements` elements take `block_bytes` bytes (1 and the
// element size for the plain types). Unknown codes have name "" and zero sizes.
struct GgmlTypeInfo {
  const char* name = "";  // as ggml names it: "f32", "q4_K", ...
  std::int64_t block_elements = 0;
  std::int64_t block_bytes = 0;
};
GgmlTypeInfo ggml_type_info(std::uint32_t code);
bool is_known_ggml_type(std::uint32_t code);
// Bits per weight of a type: 8 * block_bytes / block_elements (4.5 for q4_K, 8.5 for q8_0).
double ggml_bits_per_weight(GgmlType t);
// "Q4_K", "F16", ... (upper case, as llama.cpp prints file types).
std::string ggml_type_label(GgmlType t);

// "uint32", "string", "array", ... or "type N" for an unknown code.
std::string gguf_value_type_name(std::uint32_t code);

}  // namespace depthscope
