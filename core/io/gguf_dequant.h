#pragma once
// Dequantisation of GGUF tensor data to float32, with ggml's arithmetic
// (ggml-quants.c, dequantize_row_*): the same float32 bits as llama.cpp's reference code.
// Torch-free. Block layouts are ggml's (block_q8_0, block_q4_K, ...); half floats are IEEE
// binary16 converted exactly.
#include <cstdint>
#include <string>

#include "core/io/gguf_types.h"

namespace depthscope {

// F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K.
bool can_dequantize(GgmlType t);
// "F32, F16, BF16, Q8_0, ..." for messages.
std::string dequantizable_types();

// `n` elements (a multiple of the type's block) from `src` into `dst`. The caller checks the
// type with can_dequantize; other types throw UsageError.
void dequantize_row(GgmlType t, const std::uint8_t* src, float* dst, std::int64_t n);

// IEEE binary16 / bfloat16 bits to float32, exactly (GGML_FP16_TO_FP32, GGML_BF16_TO_FP32).
float fp16_to_fp32(std::uint16_t h);
float bf16_to_fp32(std::uint16_t h);

}  // namespace depthscope
