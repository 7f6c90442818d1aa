#include "core/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace depthscope {

double learning_rate(const LrSchedule& s, std::int64_t step) {
  if (step <= s.warmup_steps && s.warmup_steps > 0)
    return s.peak * static_cast<double>(step) / static_cast<double>(s.warmup_steps);
  const double min_lr = s.peak * s.min_lr_ratio;
  const std::int64_t decay = std::max<std::int64_t>(1, s.total_steps - s.warmup_steps);
  const double p = std::clamp(static_cast<double>(step - s.warmup_steps) / static_cast<double>(decay), 0.0, 1.0);
  constexpr double kPi = 3.14159265358979323846;
  return min_lr + (s.peak - min_lr) * 0.5 * (1.0 + std::cos(kPi * p));
}

}  // namespace depthscope
