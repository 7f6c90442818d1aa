#pragma once
// LibTorch 2.x's fused causal attention (at::scaled_dot_product_attention: FlashAttention /
// memory-efficient kernels) for CUDA tensors: the same softmax(scale * q k^T + causal mask) v
// as causal_attention (core/model/causal_attention.h), without the [B, H, T, T] scores in
// memory. Built only against LibTorch >= 2.1 (the `scale` argument); elsewhere, and for CPU
// tensors (whose reference is causal_attention's own kernel), it is unavailable.
#include <ATen/core/Tensor.h>

namespace depthscope {

// Whether fused_causal_attention serves q (a CUDA tensor, LibTorch >= 2.1).
bool fused_attention_available(const at::Tensor& q);

// q [B, H, T, hd], k and v [B, KV, T, hd], H a multiple of KV -> [B, T, H, hd], as
// causal_attention. Differentiable. Throws UsageError where it is not available.
at::Tensor fused_causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale);

}  // namespace depthscope
