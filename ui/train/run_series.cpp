#include "ui/train/run_series.h"

#include <limits>

namespace depthscope::ui {

void RunSeries::add(const store::LayerMetricRow& row) {
  if (row.key != "residual_variance" || row.layer < 1) return;
  // A step below the newest one held: the run resumed from an earlier checkpoint; what came
  // after that step was superseded.
  if (!residual.empty() && row.step < residual.rbegin()->first)
    residual.erase(residual.upper_bound(row.step), residual.end());
  std::vector<double>& v = residual[row.step];
  if (static_cast<int>(v.size()) < row.layer) v.resize(row.layer, std::numeric_limits<double>::quiet_NaN());
  v[row.layer - 1] = row.value;
  layers = std::max(layers, row.layer);
}

const std::vector<double>* RunSeries::residual_at(std::int64_t step, std::int64_t* found) const {
  auto it = residual.upper_bound(step);
  if (it == residual.begin()) return nullptr;
  --it;
  if (found) *found = it->first;
  return &it->second;
}

}  // namespace depthscope::ui
