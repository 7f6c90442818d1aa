#pragma once
// Peak-memory estimates of the analyses, computed from the model shape, the token count and
// the options before anything runs, so a request that cannot fit is refused up front with
// the option that would make it fit (docs/analysis.md, "Memory"). Torch-free (the GUI
// shows the estimate before a run).
//
// All activations are float32 (4 bytes); statistics reduce in float64. The estimates are
// deliberately on the high side: they count every live tensor of the largest step.
#include <cstdint>

#include "core/model/config.h"

namespace depthscope {

// The model's weights resident in memory: c.weight_bytes when set (F16/BF16 checkpoints stay
// 2 bytes per weight in the file mapping; a checkpoint whose pages are released once read
// counts one layer and the head, core/model/resident_weights.h), else float32.
std::int64_t model_weight_bytes(const ModelConfig& c);

// The float32 copies of weights held narrower than float32 that exist while a window runs:
// a block widens its layer, the head itself, each handed back to a buffer pool when done; a
// sweep may run two configurations at once: two layers and the head. 0 for float32.
std::int64_t widened_weight_bytes(const ModelConfig& c);

// The packed copies of a float32 model's block matrices and head that the CPU forward keeps
// (core/model/packed_gemm.h), at most a quarter of physical memory; 0 when packing is off
// or the weights are F16/BF16 (widened per use, not packed).
std::int64_t packed_weight_copy_bytes(const ModelConfig& c);

// One block applied to one window of T tokens, with everything alive at its peak: the
// norms, q/k/v (and repeated K/V for grouped-query attention), the [H, T, T] scores and
// their softmax, the MLP widths, the float64 copies the statistics take, the head's
// [T, V] logits in float32 and float64 (logit lens, scoring), widened_weight_bytes and
// packed_weight_copy_bytes.
std::int64_t window_transient_bytes(const ModelConfig& c, std::int64_t T);

// layer_statistics over `tokens` ids in windows of n_ctx, with `group_tokens` of them held
// at a time (the angular matrix keeps the L + 1 residual streams of a group).
std::int64_t layer_statistics_memory(const ModelConfig& c, std::int64_t tokens, std::int64_t n_ctx,
                                     bool angular, std::int64_t group_tokens);

// The removal sweep (and block sweep) over `scored_tokens` tokens of windows of n_ctx: the
// cached inputs of all L + 1 layer boundaries; the greedy curve keeps three such caches.
std::int64_t layer_removal_memory(const ModelConfig& c, std::int64_t window_tokens, std::int64_t n_ctx,
                                  bool greedy);

}  // namespace depthscope
