#pragma once
// RMSNorm x weight x LNS scale as one op, forward and backward (docs/paper.md, "The fix:
// LayerNorm Scaling"): the input a Pre-LN block's attention or MLP reads,
//   y = x / sqrt(mean_d(x^2) + eps) * w * s,   s = lns_scale(config, l) = 1/sqrt(l) under LNS, else 1.
// For CUDA tensors (when DepthScope's kernels were built) it runs the fused kernels of
// kernels/rms_norm_lns.h through an autograd Function, so training on CUDA uses them; everywhere
// else it is the ATen composition the Transformer has always used, so CPU numerics are unchanged.
#include <ATen/core/Tensor.h>

#include "core/model/config.h"

namespace depthscope {

// LN(x) * s, what a Pre-LN block's attention or MLP reads, under the config's norm:
// rms_norm_lns for RMSNorm; LayerNorm (with bias), then * s when s != 1, otherwise. Off CUDA both
// are exactly the Transformer's own composition. x [..., d], w, b [d] -> [..., d].
at::Tensor pre_norm_lns(const ModelConfig& c, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                        double s);

// x [..., d], w [d] -> [..., d]. The fused autograd Function for CUDA tensors the kernels read
// (float32 / float16 / bfloat16, w of x's dtype and device); rms_norm_lns_composition otherwise.
at::Tensor rms_norm_lns(const at::Tensor& x, const at::Tensor& w, double eps, double s);

// The ATen composition, differentiated by ATen's autograd: x * rsqrt(mean(x^2) + eps) * w,
// then * s when s != 1 (exactly the Transformer's RMSNorm followed by its LNS scale).
at::Tensor rms_norm_lns_composition(const at::Tensor& x, const at::Tensor& w, double eps, double s);

// The autograd Function itself, on any device: the fused kernels for CUDA tensors they read,
// the CPU references below otherwise. Gradients for x and w (not eps, s).
at::Tensor rms_norm_lns_function(const at::Tensor& x, const at::Tensor& w, double eps, double s);

// CPU references of the kernels, in float32 for float16 / bfloat16 inputs (float64 stays
// float64), results in x's dtype (w's for dw).
struct RmsNormLnsForward {
  at::Tensor y;        // [..., d]
  at::Tensor inv_rms;  // r = 1 / sqrt(mean(x^2) + eps), [...] float32 (float64 for float64 x)
};
RmsNormLnsForward rms_norm_lns_forward_reference(const at::Tensor& x, const at::Tensor& w, double eps, double s);

// g = dL/dy [..., d] -> dx = s r (g w - x r^2 mean_d(g w x)) [..., d], dw = s sum(g x r) [d].
struct RmsNormLnsGrads {
  at::Tensor dx, dw;
};
RmsNormLnsGrads rms_norm_lns_backward_reference(const at::Tensor& g, const at::Tensor& x, const at::Tensor& w,
                                                const at::Tensor& inv_rms, double s);

}  // namespace depthscope
