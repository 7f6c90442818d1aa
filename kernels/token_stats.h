#pragma once
// Fused per-token statistics of a [rows, d] activation x, optionally with a second activation
// y of the same shape, in one pass over the data (docs/paper.md, diagnostics 2 and 3):
//   mean      = sum_d x / d
//   variance  = sum_d (x - mean)^2 / d          (population variance, as in paper.md)
//   sq_norm   = sum_d x^2                       (||x||^2)
//   dot       = sum_d x y                       (only with y)
//   y_sq_norm = sum_d y^2                       (only with y)
// so that cosine = dot / sqrt(sq_norm * y_sq_norm), angular distance = arccos(cosine) / pi and
// Block Influence = 1 - mean cosine follow on the caller's side (core/analysis/formulas.h).
// Inputs f32, f16 or bf16 (x and y the same type); every sum accumulates in float64 and the
// outputs are float64, with the CPU's non-finite rules (kernels/token_stats_math.h, where the
// arithmetic is written once for the GPU and the CPU tests).
//
// The CPU reference is core's token_stats_reference (core/analysis/row_stats.h).
// Plain functions over raw pointers: no torch and no CUDA headers here.
#include <cstdint>
#include <string>

#include "kernels/element_type.h"

namespace depthscope::kernels {

// Device pointers to float64 [rows] outputs. dot and y_sq_norm are written only when y is
// given (may be nullptr otherwise); any other output may be nullptr to skip it.
struct TokenStatsOutput {
  double* mean = nullptr;
  double* variance = nullptr;
  double* sq_norm = nullptr;
  double* dot = nullptr;
  double* y_sq_norm = nullptr;
};

// x, y: device pointers [rows, d], row-major, contiguous (y may be nullptr).
// Runs on CUDA device `device`, on `stream` (a cudaStream_t passed as void*: core passes
// PyTorch's current stream of that device; nullptr is the legacy default stream). Returns an
// empty string on success, else the error text.
std::string token_stats_device(ElementType type, const void* x, const void* y, std::int64_t rows,
                               std::int64_t d, const TokenStatsOutput& out, int device, void* stream);

}  // namespace depthscope::kernels
