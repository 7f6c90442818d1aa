// The run queue's compare-and-set updates (core/store/run_queue.h).
#include "core/store/run_queue.h"

#include "core/store/connection.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/store/run_row.h"

namespace depthscope::store {

std::vector<RunRecord> queued_runs(RunDb& db) {
  std::vector<RunRecord> out;
  Connection& conn = db.connection();
  conn.read("list queued runs", [&] {
    out.clear();
    Statement s = conn.prepare(std::string("SELECT ") + kRunColumns +
                               " FROM runs WHERE status = 'queued' ORDER BY id");
    while (s.step()) out.push_back(read_run(s));
  });
  return out;
}

bool claim_queued_run(RunDb& db, std::int64_t run, std::int64_t pid, const std::string& host,
                      std::int64_t stale_pid) {
  Connection& conn = db.connection();
  bool claimed = false;
  conn.write("claim queued run " + std::to_string(run), [&] {
    Statement s = conn.prepare(
        "UPDATE runs SET pid = ?2, host = ?3 "
        "WHERE id = ?1 AND status = 'queued' AND (pid IS NULL OR pid = ?4)");
    s.bind_int(1, run).bind_int(2, pid).bind_text(3, host).bind_int(4, stale_pid).run();
    claimed = conn.changes() == 1;
  });
  return claimed;
}

bool stop_queued_run(RunDb& db, std::int64_t run, const std::string& reason, std::int64_t stale_pid) {
  Connection& conn = db.connection();
  bool stopped = false;
  conn.write("stop queued run " + std::to_string(run), [&] {
    Statement s = conn.prepare(
        "UPDATE runs SET status = 'stopped', error = ?2, ended_at = ?3 "
        "WHERE id = ?1 AND status = 'queued' AND (pid IS NULL OR pid = ?4)");
    s.bind_int(1, run).bind_text(2, reason).bind_int(3, wall_ms_now()).bind_int(4, stale_pid).run();
    stopped = conn.changes() == 1;
  });
  return stopped;
}

bool requeue_run(RunDb& db, std::int64_t run) {
  Connection& conn = db.connection();
  bool requeued = false;
  conn.write("queue run " + std::to_string(run) + " again", [&] {
    Statement s = conn.prepare(
        "UPDATE runs SET status = 'queued', pid = NULL, host = NULL, ended_at = NULL, error = NULL "
        "WHERE id = ?1 AND status IN ('stopped', 'failed')");
    s.bind_int(1, run).run();
    requeued = conn.changes() == 1;
  });
  return requeued;
}

}  // namespace depthscope::store
