#pragma once
// The paper's learning-rate schedule: linear warmup to the peak, then cosine decay to
// min_lr_ratio of the peak at the last step.
#include <cstdint>

namespace depthscope {

struct LrSchedule {
  double peak = 1e-3;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 1;
  double min_lr_ratio = 0.1;
};

// The learning rate of optimiser step `step` (1-based): peak * step / warmup during warmup,
// then min + (peak - min) * (1 + cos(pi * p)) / 2 with p going from 0 (end of warmup) to 1
// (the last step).
double learning_rate(const LrSchedule& s, std::int64_t step);

}  // namespace depthscope
