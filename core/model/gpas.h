#pragma once
// GPAS, Gradient-Preserving Activation Scaling (Chen et al. 2025): after a residual addition
// the stream is shrunk by a learned gate, x <- x - SiLU(g) sg(x), where sg stops the gradient.
// The forward value is (1 - SiLU(g)) x; the gradient to x is the identity (the residual
// path's gradient is not shrunk), the gradient to g is -SiLU'(g) sum(x * dL/dy).
// An add-on to any scheme (ModelConfig::gpas, docs/model.md).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace depthscope {

// x [..., d], gate [1] -> [..., d].
at::Tensor gpas(const at::Tensor& x, const at::Tensor& gate);

// The inference form on n rows of d floats (row stride ld), in place: x -= silu_g * x, where
// silu_g = SiLU(g) (gpas_factor).
void gpas_rows(float* x, std::int64_t n, std::int64_t d, std::int64_t ld, float silu_g);
float gpas_factor(const at::Tensor& gate);

}  // namespace depthscope
