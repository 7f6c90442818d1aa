#pragma once
// A live view's series for one (run, key): points in step order, built from rows that
// arrive through metrics_since. Header-only and torch/Qt-free, for the GUI's charts.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace depthscope::store {

struct SeriesPoint {
  std::int64_t step;
  double value;
};

// Adds a point that arrived after all points already held. Steps only increase while a
// run writes, so a step at or below the last one held means the run was resumed from an
// earlier checkpoint (RunDb::supersede_after) or the value was logged again: the series
// is cut at that step and continues with the new point.
inline void append_point(std::vector<SeriesPoint>& series, std::int64_t step, double value) {
  if (!series.empty() && step <= series.back().step) {
    auto from = std::lower_bound(series.begin(), series.end(), step,
                                 [](const SeriesPoint& p, std::int64_t s) { return p.step < s; });
    series.erase(from, series.end());
  }
  series.push_back({step, value});
}

}  // namespace depthscope::store
