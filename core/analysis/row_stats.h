#pragma once
// Per-row (per-token) statistics of a [rows, d] activation: the CPU references and the
// dispatch to DepthScope's CUDA kernels (kernels/row_stats.cu, kernels/token_stats.cu) for
// CUDA tensors when the kernels were built.
#include <ATen/core/Tensor.h>

#include <utility>

namespace depthscope {

// x: [rows, d] -> (mean [rows], variance [rows]); variance divides by d.
std::pair<at::Tensor, at::Tensor> row_mean_var(const at::Tensor& x);
// Always the ATen path (the reference the kernel is checked against).
std::pair<at::Tensor, at::Tensor> row_mean_var_reference(const at::Tensor& x);

// Everything the per-layer statistics need from one activation x [..., d] (and, optionally, a
// second activation y of the same shape) per token (docs/paper.md, diagnostics 2 and 3):
// cosine = dot / sqrt(sq_norm y_sq_norm), angular distance and Block Influence follow
// (core/analysis/formulas.h). Every field is [...] float64; dot and y_sq_norm are undefined
// without y.
struct TokenStats {
  at::Tensor mean;       // sum_d x / d
  at::Tensor variance;   // population variance over d
  at::Tensor sq_norm;    // ||x||^2
  at::Tensor dot;        // <x, y>
  at::Tensor y_sq_norm;  // ||y||^2
};

// One fused pass of the CUDA kernel (float32 accumulation) for float32 / float16 / bfloat16
// CUDA tensors when the kernels were built; token_stats_reference otherwise.
TokenStats token_stats(const at::Tensor& x, const at::Tensor& y = at::Tensor());
// Always the formulas of core/analysis/formulas.h in float64 (the reference the kernel is
// checked against).
TokenStats token_stats_reference(const at::Tensor& x, const at::Tensor& y = at::Tensor());

}  // namespace depthscope
