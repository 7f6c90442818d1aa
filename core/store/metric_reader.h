#pragma once
// Reading metrics while runs are live. A live view keeps a cursor (the largest row id it
// has seen, 0 at first) and asks only for rows newer than it. Ids are AUTOINCREMENT and
// assigned under SQLite's single write lock, and a reader sees whole transactions, so
// following the cursor sees every committed row exactly once and cursors only grow.
//
// A row for a (run, key, step) the view already holds is a replacement (logged again, or
// written again after a resume): keep the newer one. After RunDb::supersede_after the
// run's rows above the resume step are gone; the resumed run's first new row has a step
// at or below the last one the view holds, which is the view's cue to drop its points
// from that step on (append_point in metric_series.h does that for a series).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/run_records.h"

namespace depthscope::store {

class RunDb;

template <class Row>
struct RowsSince {
  std::vector<Row> rows;  // in id order
  std::int64_t cursor;    // the largest id in rows, or the cursor passed in if none
  bool more;              // `limit` rows came back: ask again with the new cursor
};

// `run` empty: all runs. At most `limit` rows per call.
RowsSince<MetricRow> metrics_since(RunDb& db, std::optional<std::int64_t> run,
                                   std::int64_t cursor, std::size_t limit = 100000);
RowsSince<LayerMetricRow> layer_metrics_since(RunDb& db, std::optional<std::int64_t> run,
                                              std::int64_t cursor, std::size_t limit = 100000);
RowsSince<EventRecord> events_since(RunDb& db, std::optional<std::int64_t> run,
                                    std::int64_t cursor, std::size_t limit = 10000);

// The value at the largest step of every key of the run, ordered by key.
std::vector<MetricRow> last_values(RunDb& db, std::int64_t run);

// Everything a run logged, for export: ordered by key then step (then layer).
std::vector<MetricRow> run_metrics(RunDb& db, std::int64_t run);
std::vector<LayerMetricRow> run_layer_metrics(RunDb& db, std::int64_t run);

}  // namespace depthscope::store
