#pragma once
// Reading a `runs` row into a RunRecord, shared by the store's queries (internal to core/store).
#include "core/store/connection.h"
#include "core/store/run_records.h"

namespace depthscope::store {

// The column list that read_run() expects, in order.
inline constexpr const char* kRunColumns =
    "id, experiment_id, name, scheme, kind, status, spec_json, pid, host, created_at, "
    "started_at, ended_at, heartbeat_at, step, steps, error";

inline RunRecord read_run(const Statement& s) {
  RunRecord r;
  r.id = s.int64(0);
  r.experiment_id = s.optional_int64(1);
  r.name = s.text(2);
  r.scheme = s.text(3);
  r.kind = parse_run_kind(s.text(4));
  r.status = parse_run_status(s.text(5));
  r.spec_json = s.text(6);
  r.pid = s.optional_int64(7);
  r.host = s.text(8);
  r.created_at = s.int64(9);
  r.started_at = s.optional_int64(10);
  r.ended_at = s.optional_int64(11);
  r.heartbeat_at = s.optional_int64(12);
  r.step = s.int64(13);
  r.steps = s.int64(14);
  r.error = s.text(15);
  return r;
}

}  // namespace depthscope::store
