// RunDb::reap_stale_runs: a training process killed with -9, or lost with its machine,
// cannot mark its run failed itself. Whoever opens or lists the database does it.
#include "core/store/connection.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/store/run_queue.h"

namespace depthscope::store {
namespace {

struct Candidate {
  std::int64_t id;
  std::optional<std::int64_t> pid;
  std::int64_t last_sign;  // heartbeat, else start, else creation
  std::string why;
};

std::vector<Candidate> find_stale(Connection& conn, std::int64_t timeout_ms) {
  std::vector<Candidate> out;
  const std::string host = this_host();
  const std::int64_t now = wall_ms_now();
  conn.read("look for stale runs", [&] {
    out.clear();
    Statement s = conn.prepare(
        "SELECT id, pid, host, coalesce(heartbeat_at, started_at, created_at) FROM runs "
        "WHERE status = 'running'");
    while (s.step()) {
      Candidate c{s.int64(0), s.optional_int64(1), s.int64(3), ""};
      if (c.pid && s.text(2) == host && !process_alive(*c.pid))
        c.why = "process " + std::to_string(*c.pid) + " on " + host + " no longer exists";
      else if (now - c.last_sign > timeout_ms)
        c.why = "no heartbeat for " + std::to_string((now - c.last_sign) / 1000) + " s";
      if (!c.why.empty()) out.push_back(std::move(c));
    }
  });
  return out;
}

}  // namespace

std::vector<std::int64_t> RunDb::reap_stale_runs(std::int64_t timeout_ms) {
  // Reading first keeps a GUI that lists runs every second off the write lock.
  std::vector<Candidate> stale = find_stale(*conn_, timeout_ms);
  unclaim_orphaned_runs(*this);  // queued runs whose claimer is gone: queued again, not failed
  std::vector<std::int64_t> reaped;
  if (stale.empty()) return reaped;
  conn_->write("mark stale runs failed", [&] {
    reaped.clear();
    const std::int64_t now = wall_ms_now();
    for (const Candidate& c : stale) {
      // Compare-and-set: a heartbeat or a resume that landed since the look wins.
      Statement u = conn_->prepare(
          "UPDATE runs SET status = 'failed', error = ?2, ended_at = ?3 "
          "WHERE id = ?1 AND status = 'running' AND pid IS ?4 "
          "AND coalesce(heartbeat_at, started_at, created_at) = ?5");
      u.bind_int(1, c.id).bind_text(2, kProcessLost).bind_int(3, now).bind_optional_int(4, c.pid)
          .bind_int(5, c.last_sign).run();
      if (conn_->changes() == 0) continue;
      Statement e = conn_->prepare(
          "INSERT INTO events(run_id, wall_ms, level, message) VALUES (?1, ?2, 'error', ?3)");
      e.bind_int(1, c.id).bind_int(2, now).bind_text(3, "marked failed: " + c.why).run();
      reaped.push_back(c.id);
    }
  });
  return reaped;
}

}  // namespace depthscope::store
