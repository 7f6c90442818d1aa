#pragma once
// TensorBoard's (and W&B's) debiased exponential moving average, so curves look the same as
// there (docs/design.md, "GUI"): over the points in order,
//   last = last * w + (1 - w) * x_n,   shown_n = last / (1 - w^n),
// where n counts the finite points so far; NaN and Inf points are skipped (no smoothed point,
// not averaged in). w = 0 shows the raw values; w is clamped to [0, 0.999].
#include <cstdint>
#include <vector>

#include "core/store/metric_series.h"

namespace depthscope::ui {

struct SmoothPoint {
  double step;
  double value;
};

std::vector<SmoothPoint> debiased_ema(const std::vector<store::SeriesPoint>& points, double w);

}  // namespace depthscope::ui
