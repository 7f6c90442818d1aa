#pragma once
// What the Train tab holds of each watched run: its scalar series (train/loss, val/ppl, ...)
// in step order and its residual variance by layer at each sampled step. Fed with the rows
// that RunWatcher streams (cursor order); a row at or below the last step of a series means
// the run resumed from an earlier checkpoint, so the series is cut there (append_point).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/store/metric_series.h"
#include "core/store/run_records.h"

namespace depthscope::ui {

struct RunSeries {
  std::map<std::string, std::vector<store::SeriesPoint>> metrics;
  std::map<std::int64_t, std::vector<double>> residual;  // step -> value of layers 1..L (NaN: missing)
  int layers = 0;

  void add(const store::MetricRow& row) { store::append_point(metrics[row.key], row.step, row.value); }

  void add(const store::LayerMetricRow& row);

  const std::vector<store::SeriesPoint>* series(const std::string& key) const {
    auto it = metrics.find(key);
    return it == metrics.end() ? nullptr : &it->second;
  }
  std::size_t points(const std::string& key) const {
    const auto* s = series(key);
    return s ? s->size() : 0;
  }
  // The residual profile at the largest sampled step <= step (null when none).
  const std::vector<double>* residual_at(std::int64_t step, std::int64_t* found = nullptr) const;
};

}  // namespace depthscope::ui
