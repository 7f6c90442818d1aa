#pragma once
// Dynamic Tanh (Zhu, Chen, He, LeCun, Liu 2025, "Transformers without Normalization"): the
// element-wise stand-in for a norm, DyT(x) = w * tanh(alpha x), with a learned scalar alpha.
// DepthScope's `dyt` scheme uses it at every norm site (docs/model.md).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace depthscope {

// x [..., d], w [d], alpha [1] -> [..., d]. Differentiable in x, w and alpha.
at::Tensor dyt(const at::Tensor& x, const at::Tensor& w, const at::Tensor& alpha);

// The same for n rows of d floats (row stride ld; out may be x), for the inference forward.
void dyt_rows(const float* x, float* out, std::int64_t n, std::int64_t d, std::int64_t ld, const float* w,
              float alpha);

}  // namespace depthscope
