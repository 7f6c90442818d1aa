#pragma once
// The Transformer's block and head when no gradient is wanted (analyses, evaluation,
// benchmarks), on the CPU in float32: the same math as the autograd composition in
// transformer.cpp, arranged for two cores (issue 11).
//
// Everything but attention is row-local (a token's row needs only its own row), so each
// layer runs in three parallel stages over the flattened [B*T, d] rows:
//   A  rows:          attn_in = norm(x) * s; q, k, v = projections; q/k/v norm; RoPE
//   B  (seq, head):   causal attention in query blocks (causal_attention, no [T, T] scores)
//   C  rows:          o-projection, out-norm / scale, residual (GPAS), norm, MLP, residual (GPAS)
// Every scheme's placement comes from block_layout() (core/model/config.h).
// Weights stored as float32 are packed once for an AVX-512 GEMM kernel (packed_gemm.h), and
// attention runs fused per query block (causal_attention.cpp), where the CPU has AVX-512.
// A row chunk runs its GEMMs single-threaded on one core, so there is one fork/join per stage
// instead of one per ATen op, and the elementwise work (norms, RoPE, SiLU * up, residual adds)
// is done in place on rows still in cache. Probes see the same full [B, T, d] tensors at the
// same sites as in the autograd path.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/model/config.h"
#include "core/model/probe.h"
#include "core/model/weights.h"

namespace depthscope {

// True when block_rows / head_rows apply: grad mode off, CPU float32 input.
bool use_row_kernels(const at::Tensor& x);

// x_l [B, T, d] -> x_{l+1} [B, T, d] for layer l (1-based); lw are float32 weights; cos/sin
// the RoPE tables [T, hd] (undefined without RoPE). Records every probe site but resid_pre.
// pack_weights: lw's matrices live on unchanged (not widened for this call), so their packed
// copies are worth keeping (packed_gemm.h).
at::Tensor block_rows(const ModelConfig& c, std::int64_t layer, const LayerWeights& lw, const at::Tensor& x,
                      LayerProbe* probe, const at::Tensor& cos, const at::Tensor& sin, bool pack_weights);

// out = x W^T (+ b): x [n, K], W [N, K] -> out [n, N] (written in place), with W's packed copy
// (packed_gemm.h) when `packed` is not null. Throws UsageError naming the shapes when x, W,
// the packed copy and out do not fit, as at::mm would.
struct PackedWeight;
void linear_out(at::Tensor out, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                const PackedWeight* packed = nullptr);

// Final norm (DyT when norm_alpha is defined) then the LM head, row chunks in parallel:
// [B, T, d] -> [B, T, V].
at::Tensor head_rows(const ModelConfig& c, const at::Tensor& x, const at::Tensor& norm_w, const at::Tensor& norm_b,
                     const at::Tensor& norm_alpha, const at::Tensor& lm_head, bool pack_weights);

}  // namespace depthscope
