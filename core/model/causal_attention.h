#pragma once
// The attention core of the one Transformer: out = softmax(scale * q k^T + causal mask) v for
// every head, a grouped-query head reading its shared kv head without copying it.
//
// On the CPU (float32/float64) it runs as one autograd function whose forward and backward
// split the work over (sequence, head) pairs across the tensor threads, each a handful of
// single-threaded GEMMs that skip the blocks above the diagonal (ATen's bmm runs the heads one
// after another, each GEMM too small to use two threads). Elsewhere, and as the definition the
// kernel is tested against, causal_attention_reference composes the same math from ATen ops.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>

namespace depthscope {

// q [B, H, T, hd], k and v [B, KV, T, hd] with H a multiple of KV (query head h reads kv head
// h / (H / KV)) -> [B, T, H, hd] (heads next to each other: ready for the output projection).
// Query t attends to keys 0..t. Differentiable in q, k and v.
at::Tensor causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale);

// The inference forward's attention (block_rows.h; no gradient): on a CPU with AVX-512 and
// float32 inputs one fused pass per (sequence, head) and block of 64 queries, with no ATen op
// inside (packed_gemm.h's kernel, softmax_rows.h); else causal_attention.
at::Tensor causal_attention_inference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale);

// k and v [B, KV, T, hd] repeated to the H query heads [B, H, T, hd] (query head h reads kv head
// h / (H / KV), as Hugging Face's repeat_kv); unchanged when KV == H. For the compositions that
// take one kv head per query head (the reference, the windowed and the fused attention).
std::pair<at::Tensor, at::Tensor> kv_per_query_head(const at::Tensor& k, const at::Tensor& v, std::int64_t H);

// The same result from matmul, masked_fill and softmax (any device and dtype).
at::Tensor causal_attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      double scale);

}  // namespace depthscope
