#include "core/train/divergence.h"

#include <cmath>
#include <cstdio>

namespace depthscope {

std::string DivergenceWatch::check(std::int64_t step, double loss, double grad_norm) {
  if (std::isnan(loss) || std::isinf(loss))
    return std::string("loss is ") + (std::isnan(loss) ? "NaN" : "Inf") + " at step " + std::to_string(step);
  if (std::isnan(grad_norm) || std::isinf(grad_norm))
    return std::string("gradient norm is ") + (std::isnan(grad_norm) ? "NaN" : "Inf") + " at step " +
           std::to_string(step) + " (loss " + std::to_string(loss) + "); the update was skipped";
  if (!seen_ || loss < min_) {
    min_ = loss;
    seen_ = true;
  }
  if (margin_ <= 0 || patience_ <= 0) return "";
  above_ = loss > min_ + margin_ ? above_ + 1 : 0;
  if (above_ < patience_) return "";
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "loss stayed more than %.3g nats above its running minimum %.4f for %lld steps (%.4f at step %lld)",
                margin_, min_, static_cast<long long>(patience_), loss, static_cast<long long>(step));
  return buf;
}

}  // namespace depthscope
