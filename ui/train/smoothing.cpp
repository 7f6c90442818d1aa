#include "ui/train/smoothing.h"

#include <algorithm>
#include <cmath>

namespace depthscope::ui {

std::vector<SmoothPoint> debiased_ema(const std::vector<store::SeriesPoint>& points, double w) {
  w = std::clamp(w, 0.0, 0.999);
  std::vector<SmoothPoint> out;
  out.reserve(points.size());
  double last = 0;
  double w_n = 1;  // w^n
  for (const store::SeriesPoint& p : points) {
    if (!std::isfinite(p.value)) continue;
    last = last * w + (1 - w) * p.value;
    w_n *= w;
    const double debias = 1 - w_n;
    out.push_back({static_cast<double>(p.step), debias > 0 ? last / debias : p.value});
  }
  return out;
}

}  // namespace depthscope::ui
