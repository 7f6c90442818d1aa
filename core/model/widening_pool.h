#pragma once
// Float32 buffers for weights widened from F16/BF16 (float32_weight, core/model/weights.h),
// kept for reuse once freed. A fresh allocation of hundreds of MB costs its page faults on
// every use, which took longer than the widening itself: 0.3-1.3 s for an [11008, 4096]
// matrix against 20-30 ms when copied into a buffer already in memory (2-core EPYC, loaded).
// The pool keeps free buffers up to the most widened bytes ever alive at once plus the
// largest buffer (one layer and the head for a forward with logit lens), dropping the
// oldest first, so it never holds more than the peak a run has already reached.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace depthscope {

// A float32 buffer of `numel` elements ([numel], contiguous): a pooled one when one of that
// size is free, else a new one.
at::Tensor take_widening_buffer(std::int64_t numel);
// Hands a buffer back; `live_high_bytes` is the most widened bytes alive at once so far.
void give_widening_buffer(at::Tensor buffer, std::int64_t live_high_bytes);

// Free bytes held now, and dropping them all (e.g. when no model is open any more).
std::int64_t widening_pool_bytes();
void release_widening_pool();

}  // namespace depthscope
