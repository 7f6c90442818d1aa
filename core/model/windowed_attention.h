#pragma once
// Attention as Gemma 2 / 3 run it (Hugging Face's eager_attention_forward in
// modeling_gemma2.py): the scores may be soft-capped before the mask, and a sliding layer sees
// only the last `window` keys. Both forwards (transformer.cpp, block_rows.cpp) call it for such
// layers; every other layer keeps the plain causal kernels (causal_attention.h).
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/model/config.h"

namespace depthscope {

// The attention scale of every layer: query_pre_attn_scalar^-1/2 (Gemma), else head_dim^-1/2.
double attention_scale(const ModelConfig& c);

// Whether layer `b` of model `c` needs windowed_causal_attention on T tokens: soft-capped scores,
// or a window shorter than T (a window of T or more hides no key: the plain causal kernels serve,
// e.g. Phi-3's 2047 on shorter texts).
bool needs_windowed_attention(const ModelConfig& c, const BlockLayout& b, std::int64_t T);

// Soft-capping, the one definition: c * tanh(x / c) (Gemma 2's attention scores and logits).
at::Tensor soft_cap(const at::Tensor& x, double cap);

// q [B, H, T, hd], k and v [B, KV, T, hd] (H a multiple of KV) -> [B, T, H, hd]:
//   s = scale q k^T; s = soft_cap(s, softcap) when softcap > 0;
//   query i sees key j when j <= i, and, when window > 0, j > i - window;
//   out = softmax(s) v.
// A plain ATen composition: differentiable, any device; the [B, H, T, T] scores are held.
at::Tensor windowed_causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale,
                                     double softcap, std::int64_t window);

}  // namespace depthscope
