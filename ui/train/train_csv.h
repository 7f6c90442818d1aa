#pragma once
// The Train tab's charts as CSV ("Export data as CSV" of each chart): every point of the shown
// runs, at full precision, with the smoothed value beside the raw one where the chart smooths.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ui/shared/csv_table.h"
#include "ui/shared/job_list.h"
#include "ui/train/run_series.h"

namespace depthscope::ui {

// run, scheme, step, <key>[, smoothed (w=…)] for each point of `key`; `smoothing`: the EMA
// weight of the smoothed column (none: no such column).
CsvTable series_csv(const std::vector<const RunJob*>& runs, const std::map<std::int64_t, RunSeries>& data,
                    const std::string& key, std::optional<double> smoothing);
// run, step, layer, residual_variance: the heatmap's run, every sampled step.
CsvTable heatmap_csv(std::int64_t run, const std::map<std::int64_t, RunSeries>& data);
// run, scheme, step, layer, residual_variance at the chosen step (each run's profile at or
// before it).
CsvTable variance_csv(const std::vector<const RunJob*>& runs, const std::map<std::int64_t, RunSeries>& data,
                      std::int64_t step);

}  // namespace depthscope::ui
