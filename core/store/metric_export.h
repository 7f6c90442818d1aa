#pragma once
// A run's metrics as CSV or JSON text, for `depthscope-cli runs export` and the GUI's
// export action. Rows come from run_metrics / run_layer_metrics.
//
// Non-finite values: CSV writes nan, inf and -inf (what pandas.read_csv and numpy read
// back as floats); JSON has no such numbers, so it writes the strings "NaN", "Infinity"
// and "-Infinity" (what JavaScript's Number() and Python's float() accept).
#include <string>
#include <vector>

#include "core/store/run_records.h"

namespace depthscope::store {

// Header run_id,key,step,value,wall_ms; one line per row.
std::string metrics_csv(const std::vector<MetricRow>& rows);
// Header run_id,key,step,layer,value.
std::string layer_metrics_csv(const std::vector<LayerMetricRow>& rows);
// {"metrics": [{"run_id", "key", "step", "value", "wall_ms"}...],
//  "layer_metrics": [{"run_id", "key", "step", "layer", "value"}...]}
std::string metrics_json(const std::vector<MetricRow>& rows,
                         const std::vector<LayerMetricRow>& layer_rows);

}  // namespace depthscope::store
