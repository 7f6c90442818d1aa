#pragma once
// The formulas the per-layer statistics evaluate on every activation (core/analysis/formulas.h),
// each through one pass of the fused statistics kernel (token_stats, core/analysis/row_stats.h)
// for CUDA tensors the kernel reads, and through the formulas themselves otherwise -- so the CPU
// path computes exactly what formulas:: does, bit for bit. Same names and shapes as formulas::.
#include <ATen/core/Tensor.h>

#include "core/analysis/formulas.h"

namespace depthscope::fused {

// formulas::token_sums; on CUDA s1 = d * mean, s2 = ||x||^2 and the per-token variance filled in.
formulas::TokenSums token_sums(const at::Tensor& x);

// formulas::element_moments(x): moments of every element.
formulas::Moments element_moments(const at::Tensor& x);
// formulas::element_moment_sums of x's token sums: the same, left on x's device (no sync).
formulas::MomentSums element_moment_sums(const at::Tensor& x);

// formulas::token_norm(x): ||x|| per token, [..., d] -> [...] (float64).
at::Tensor token_norm(const at::Tensor& x);

// A block's output x_{l+1} summed per token, and its cosine with the block's input x_l (whose
// sums s_in are known): formulas::token_sums(x_out) and formulas::cosine(x_in, x_out, s_in, s_out).
// On CUDA one kernel pass over x_out and x_in gives both.
struct BlockOutputSums {
  formulas::TokenSums sums;  // of x_out
  at::Tensor cosine;         // cos(x_in, x_out) per token [...] (float64)
};
BlockOutputSums block_output_sums(const at::Tensor& x_in, const formulas::TokenSums& s_in,
                                  const at::Tensor& x_out);

// formulas::angular_distance(a, b): arccos(cos(a, b)) / pi per token, [..., d] -> [...].
at::Tensor angular_distance(const at::Tensor& a, const at::Tensor& b);

}  // namespace depthscope::fused
