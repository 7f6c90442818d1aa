#pragma once
// How many rows a run holds in each table: what `runs delete` removes, and a check for exports.
#include <cstdint>

namespace depthscope::store {

class RunDb;

struct RunRowCounts {
  std::int64_t metrics = 0, layer_metrics = 0, checkpoints = 0, events = 0;
};

RunRowCounts count_run_rows(RunDb& db, std::int64_t run);

}  // namespace depthscope::store
