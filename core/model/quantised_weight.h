#pragma once
// Layer matrices kept in a GGUF file's quantisation (Q8_0, Q4_K, ...), in the read-only
// mapping, and dequantised one layer at a time as the forward uses them, as F16/BF16 weights
// are widened (float32_weight, weights.h; through the same buffer pool).
//
// Such a weight is a float32 tensor on the meta device: it has the matrix's shape (so shape
// checks, parameter counts and named_tensors work unchanged) and no data; a process-wide
// registry keyed by the tensor holds where its blocks are, their ggml type and, for llama's
// q/k, the row order to read them in. Code that needs the values calls float32_weight (per
// use) or dequantised_weight / with_dequantised_weights (an owned float32 copy: saving,
// cloning for training, moving to a GPU). Anything else that reads a meta tensor fails with
// an error rather than reading garbage.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/io/gguf_types.h"
#include "core/model/weights.h"

namespace depthscope {

class MappedFile;

// A [rows, cols] weight whose row r is stored at `blocks` + rows_from[r] * row_bytes (rows_from
// empty: row r). `keep` holds the mapping alive while the weight is registered.
at::Tensor make_quantised_weight(std::shared_ptr<MappedFile> keep, const std::uint8_t* blocks, GgmlType type,
                                 std::int64_t rows, std::int64_t cols, std::vector<std::int64_t> rows_from = {});

bool is_quantised_weight(const at::Tensor& t);
// The bytes its blocks take in the file (0 for any other tensor).
std::int64_t quantised_weight_bytes(const at::Tensor& t);
// "Q4_K", ... ("" for any other tensor).
std::string quantised_weight_type(const at::Tensor& t);
// Dequantises into `out` [rows * cols] float32 (gguf_dequant.h, ggml's bits), rows in parallel.
void dequantise_weight_into(const at::Tensor& t, float* out);
// y [M, rows] (row stride ldy) = x [M, cols] (row stride ldx) W^T (+ b) for a quantised W,
// through the row kernels (packed_gemm.h streamed_packed_linear): each thread dequantises 32
// rows at a time straight into a packed panel that stays in its cache, so no float32 copy of W
// is made. Needs packed_gemm_enabled(); threads as packed_linear.
void quantised_linear(const at::Tensor& w, const float* x, std::int64_t M, std::int64_t ldx, const float* b, float* y,
                      std::int64_t ldy, int threads);
// An owned float32 copy of a quantised weight; any other tensor is returned as it is.
at::Tensor dequantised_weight(const at::Tensor& t);
// Every quantised slot replaced by its owned float32 copy (others shared; a tied head stays tied).
ModelWeights with_dequantised_weights(const ModelWeights& w);

}  // namespace depthscope
