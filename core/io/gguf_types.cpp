#include "core/io/gguf_types.h"

#include <cctype>

namespace depthscope {

GgmlTypeInfo ggml_type_info(std::uint32_t code) {
  constexpr std::int64_t qk_k = 256;  // QK_K: elements per super-block of the K-quants
  switch (static_cast<GgmlType>(code)) {
    case GgmlType::f32: return {"f32", 1, 4};
    case GgmlType::f16: return {"f16", 1, 2};
    case GgmlType::q4_0: return {"q4_0", 32, 2 + 16};
    case GgmlType::q4_1: return {"q4_1", 32, 2 + 2 + 16};
    case GgmlType::q5_0: return {"q5_0", 32, 2 + 4 + 16};
    case GgmlType::q5_1: return {"q5_1", 32, 2 + 2 + 4 + 16};
    case GgmlType::q8_0: return {"q8_0", 32, 2 + 32};
    case GgmlType::q8_1: return {"q8_1", 32, 2 + 2 + 32};
    case GgmlType::q2_k: return {"q2_K", qk_k, qk_k / 16 + qk_k / 4 + 2 + 2};
    case GgmlType::q3_k: return {"q3_K", qk_k, qk_k / 8 + qk_k / 4 + 12 + 2};
    case GgmlType::q4_k: return {"q4_K", qk_k, 2 + 2 + 12 + qk_k / 2};
    case GgmlType::q5_k: return {"q5_K", qk_k, 2 + 2 + 12 + qk_k / 8 + qk_k / 2};
    case GgmlType::q6_k: return {"q6_K", qk_k, qk_k / 2 + qk_k / 4 + qk_k / 16 + 2};
    case GgmlType::q8_k: return {"q8_K", qk_k, 4 + qk_k + qk_k / 16 * 2};
    case GgmlType::iq2_xxs: return {"iq2_xxs", qk_k, 2 + qk_k / 8 * 2};
    case GgmlType::iq2_xs: return {"iq2_xs", qk_k, 2 + qk_k / 8 * 2 + qk_k / 32};
    case GgmlType::iq3_xxs: return {"iq3_xxs", qk_k, 2 + 3 * qk_k / 8};
    case GgmlType::iq1_s: return {"iq1_s", qk_k, 2 + qk_k / 8 + qk_k / 32 * 2};
    case GgmlType::iq4_nl: return {"iq4_nl", 32, 2 + 16};
    case GgmlType::iq3_s: return {"iq3_s", qk_k, 2 + qk_k / 4 + qk_k / 32 + qk_k / 8 + qk_k / 64};
    case GgmlType::iq2_s: return {"iq2_s", qk_k, 2 + qk_k / 4 + qk_k / 32 + qk_k / 32};
    case GgmlType::iq4_xs: return {"iq4_xs", qk_k, 2 + 2 + qk_k / 64 + qk_k / 2};
    case GgmlType::i8: return {"i8", 1, 1};
    case GgmlType::i16: return {"i16", 1, 2};
    case GgmlType::i32: return {"i32", 1, 4};
    case GgmlType::i64: return {"i64", 1, 8};
    case GgmlType::f64: return {"f64", 1, 8};
    case GgmlType::iq1_m: return {"iq1_m", qk_k, qk_k / 8 + qk_k / 16 + qk_k / 32};
    case GgmlType::bf16: return {"bf16", 1, 2};
    case GgmlType::tq1_0: return {"tq1_0", qk_k, (qk_k - 4 * qk_k / 64) / 5 + qk_k / 64 + 2};
    case GgmlType::tq2_0: return {"tq2_0", qk_k, qk_k / 4 + 2};
    case GgmlType::mxfp4: return {"mxfp4", 32, 1 + 16};
  }
  return {};
}

bool is_known_ggml_type(std::uint32_t code) { return ggml_type_info(code).block_elements > 0; }

double ggml_bits_per_weight(GgmlType t) {
  const GgmlTypeInfo i = ggml_type_info(static_cast<std::uint32_t>(t));
  return i.block_elements > 0 ? 8.0 * static_cast<double>(i.block_bytes) / static_cast<double>(i.block_elements) : 0;
}

std::string ggml_type_label(GgmlType t) {
  std::string s = ggml_type_info(static_cast<std::uint32_t>(t)).name;
  if (s.empty()) return "type " + std::to_string(static_cast<std::uint32_t>(t));
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string gguf_value_type_name(std::uint32_t code) {
  static const char* names[] = {"uint8", "int8",  "uint16", "int16",  "uint32", "int32", "float32",
                                "bool",  "string", "array", "uint64", "int64",  "float64"};
  return code < sizeof(names) / sizeof(names[0]) ? names[code] : "type " + std::to_string(code);
}

}  // namespace depthscope
