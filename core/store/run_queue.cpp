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

bool requeue_run(RunDb& db, std::int64_t run, bool force) {
  Connection& conn = db.connection();
  bool requeued = false;
  const std::string what = "queue run " + std::to_string(run) + " again";
  conn.write(what, [&] {
    Statement r = conn.prepare("SELECT pid, host FROM runs WHERE id = ?1");
    r.bind_int(1, run);
    if (r.step() && !force) {
      const std::optional<std::int64_t> pid = r.optional_int64(0);
      const std::string host = r.text(1);
      if (pid && host == this_host() && *pid != this_pid() && process_alive(*pid))
        throw ClaimRefused(db.path(), what,
                           "its process " + std::to_string(*pid) + " on " + host + " is still alive (a stopped " +
                               "process counts as alive); stop or kill it first, or take the run over with " +
                               "--force (that process then stops without writing anything more)");
    }
    Statement s = conn.prepare(
        "UPDATE runs SET status = 'queued', pid = NULL, host = NULL, ended_at = NULL, error = NULL, "
        "attempt = attempt + 1 WHERE id = ?1 AND status IN ('stopped', 'failed')");
    s.bind_int(1, run).run();
    requeued = conn.changes() == 1;
  });
  return requeued;
}

std::vector<std::int64_t> unclaim_orphaned_runs(RunDb& db) {
  Connection& conn = db.connection();
  std::vector<std::pair<std::int64_t, std::int64_t>> orphans;  // run, pid
  const std::string host = this_host();
  conn.read("look for orphaned queued runs", [&] {
    orphans.clear();
    Statement s = conn.prepare("SELECT id, pid FROM runs WHERE status = 'queued' AND pid IS NOT NULL AND host = ?1");
    s.bind_text(1, host);
    while (s.step())
      if (!process_alive(s.int64(1))) orphans.emplace_back(s.int64(0), s.int64(1));
  });
  std::vector<std::int64_t> out;
  if (orphans.empty()) return out;
  conn.write("unclaim orphaned queued runs", [&] {
    out.clear();
    for (const auto& [run, pid] : orphans) {
      Statement u = conn.prepare("UPDATE runs SET pid = NULL, host = NULL WHERE id = ?1 AND status = 'queued' AND pid = ?2");
      u.bind_int(1, run).bind_int(2, pid).run();
      if (conn.changes() == 0) continue;
      Statement e = conn.prepare("INSERT INTO events(run_id, wall_ms, level, message) VALUES (?1, ?2, 'warning', ?3)");
      e.bind_int(1, run).bind_int(2, wall_ms_now())
          .bind_text(3, "queued again: process " + std::to_string(pid) + " on " + host +
                            " claimed it and is gone (its job worker died before it trained)")
          .run();
      out.push_back(run);
    }
  });
  return out;
}

}  // namespace depthscope::store
