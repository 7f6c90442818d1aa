#pragma once
// Peak memory of a training run, estimated from the model shape and the spec before the run
// starts, so a batch that cannot fit is refused with the estimate and a batch that fits
// instead of meeting the kernel's OOM killer (docs/training.md, "Memory"). Torch-free.
//
// Counted, float32 (4 bytes), deliberately on the high side:
//   weights, gradients and Adam's two moments:      16 · P
//   activations kept for backward, per micro-batch: B · T · L · (10·d + 4·f + 2·H·T) · 4
//     (norm inputs and outputs, q/k/v, attention output and projection, the MLP's gate, up,
//      activation and product; the [H, T, T] scores and probabilities)
//   the head:                                       B · T · V · 3 · 4
//     (logits, their log-softmax and its gradient)
// with P parameters, B sequences of T tokens per micro-batch, L layers of width d, FFN
// width f, H heads and a vocabulary of V.
#include <cstdint>
#include <string>

#include "core/model/config.h"

namespace depthscope {

std::int64_t training_memory_bytes(const ModelConfig& c, std::int64_t batch, std::int64_t seq);

// The largest batch (sequences per micro-batch) whose estimate fits `budget_bytes`; 0 when
// not even one sequence fits.
std::int64_t largest_training_batch(const ModelConfig& c, std::int64_t seq, std::int64_t budget_bytes);

// Throws UsageError "training run N (<shape>) needs about X, more than the Y budget
// (--memory-budget); a batch of K fits" when the run's estimate exceeds the budget
// (<= 0: the default, 70% of physical memory).
void check_training_memory(const std::string& what, const ModelConfig& c, std::int64_t batch, std::int64_t seq,
                           std::int64_t budget_bytes);

}  // namespace depthscope
