#pragma once
// How much of a run database DepthScope loads. A run database may come from someone else
// (a teacher's handout, a colleague's runs), so its sizes are input to be bounded, not
// trusted (docs/runs.md, "Opening a database from someone else").
#include <cstdint>

namespace depthscope::store {

// SQLITE_LIMIT_LENGTH of every connection: no string or blob larger than this is ever
// loaded (SQLite refuses with SQLITE_TOOBIG before allocating it), and no row larger than
// this is written.
inline constexpr std::int64_t kMaxValueBytes = 8 << 20;
// A run's or an experiment's spec_json: refused above this when written and when read.
inline constexpr std::int64_t kMaxSpecJsonBytes = 4 << 20;
// Rows one call reads at most: list_runs(), checkpoints(run), and the objects of the schema.
inline constexpr std::int64_t kMaxRunsRead = 100000;
inline constexpr std::int64_t kMaxCheckpointsRead = 100000;
inline constexpr std::int64_t kMaxSchemaObjects = 1000;

}  // namespace depthscope::store
