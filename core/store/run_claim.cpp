// Claiming a run and checking ownership (core/store/run_lease.h, core/store/ownership.h).
#include "core/store/connection.h"
#include "core/store/ownership.h"
#include "core/store/process_probe.h"
#include "core/store/run_lease.h"

namespace depthscope::store {
namespace {

struct Holder {
  RunStatus status = RunStatus::queued;
  std::optional<std::int64_t> pid;
  std::string host, error;
  std::int64_t attempt = 0;
};

std::optional<Holder> read_holder(Connection& conn, std::int64_t run) {
  Statement s = conn.prepare("SELECT status, pid, host, error, attempt FROM runs WHERE id = ?1");
  s.bind_int(1, run);
  if (!s.step()) return std::nullopt;
  return Holder{parse_run_status(s.text(0)), s.optional_int64(1), s.text(2), s.text(3), s.int64(4)};
}

std::string run_name(std::int64_t run) { return "run " + std::to_string(run); }

// "" when `pid` on `host` may take the run from `h`; otherwise why not.
std::string holder_refusal(const Holder& h, std::int64_t run, std::int64_t pid, const std::string& host) {
  if (!h.pid || (*h.pid == pid && h.host == host)) return "";
  if (h.host == this_host() && !process_alive(*h.pid)) return "";
  const std::string who = "process " + std::to_string(*h.pid) + " on " + (h.host.empty() ? "an unknown host" : h.host);
  if (h.host == this_host())
    return run_name(run) + " is held by " + who + ", which is alive (a stopped process counts as alive); stop it " +
           "first (jobs stop " + std::to_string(run) + ", or kill it)";
  return run_name(run) + " is held by " + who + ", which cannot be checked from " + this_host() +
         "; queue it again with jobs resume " + std::to_string(run) + " once that process is gone";
}

std::int64_t supersede(Connection& conn, std::int64_t run, std::int64_t after_step) {
  std::int64_t deleted = 0;
  for (const char* sql : {"DELETE FROM metrics WHERE run_id = ?1 AND step > ?2",
                          "DELETE FROM layer_metrics WHERE run_id = ?1 AND step > ?2"}) {
    Statement s = conn.prepare(sql);
    s.bind_int(1, run).bind_int(2, after_step).run();
    deleted += conn.changes();
  }
  return deleted;
}

void record_event(Connection& conn, std::int64_t run, const char* level, const std::string& message) {
  Statement e = conn.prepare("INSERT INTO events(run_id, wall_ms, level, message) VALUES (?1, ?2, ?3, ?4)");
  e.bind_int(1, run).bind_int(2, wall_ms_now()).bind_text(3, level).bind_text(4, message).run();
}

}  // namespace

std::int64_t claim_run(RunDb& db, std::int64_t run, std::int64_t pid, const std::string& host,
                       const ClaimOptions& o) {
  Connection& conn = db.connection();
  const std::string what = "claim " + run_name(run) + " for process " + std::to_string(pid);
  std::int64_t attempt = 0;
  conn.write(what, [&] {
    const std::optional<Holder> h = read_holder(conn, run);
    if (!h)
      throw ClaimRefused(db.path(), what, "there is no run with id " + std::to_string(run) +
                                              " (it may have been deleted); list the runs to see which exist");
    std::string refusal;
    switch (h->status) {
      case RunStatus::finished: refusal = run_name(run) + " has finished; nothing to train"; break;
      case RunStatus::diverged:
        refusal = run_name(run) + " diverged (" + h->error + "); from its last checkpoint it would take the same " +
                  "steps and diverge again: start a new run with other settings";
        break;
      default:  // queued, stopped, failed; running only when its process is certainly gone here
        refusal = holder_refusal(*h, run, pid, host);
    }
    if (!refusal.empty()) throw ClaimRefused(db.path(), what, refusal);

    std::int64_t start_step = 0;
    if (o.fresh_start) {
      Statement c = conn.prepare("SELECT count(*), max(step) FROM checkpoints WHERE run_id = ?1");
      c.bind_int(1, run);
      c.step();
      if (c.int64(0) > 0)
        throw ClaimRefused(db.path(), what,
                           run_name(run) + " has " + std::to_string(c.int64(0)) + " checkpoint(s) from an earlier " +
                               "attempt (the last at step " + std::to_string(c.int64(1)) + "); training it from " +
                               "step 0 would mix two attempts: continue it with train --resume " +
                               std::to_string(run) + " (or jobs resume " + std::to_string(run) + ")");
      const std::int64_t gone = supersede(conn, run, 0);
      if (gone > 0)
        record_event(conn, run, "info", "started again from step 0: " + std::to_string(gone) +
                                            " metric rows of an earlier attempt were superseded");
    }
    if (o.resume_checkpoint) {
      Statement c = conn.prepare(
          "SELECT id, step, path FROM checkpoints WHERE run_id = ?1 ORDER BY step DESC, id DESC LIMIT 1");
      c.bind_int(1, run);
      if (!c.step() || c.int64(0) != *o.resume_checkpoint)
        throw ClaimRefused(db.path(), what,
                           "the last checkpoint of " + run_name(run) + " changed while it was being loaded; " +
                               "resume it again");
      start_step = c.int64(1);
      const std::string path = c.text(2);
      const std::int64_t gone = supersede(conn, run, start_step);
      record_event(conn, run, "info", "resumed from step " + std::to_string(start_step) + " (" + path + "): " +
                                          std::to_string(gone) + " metric rows written after it were superseded");
    }
    const std::int64_t now = wall_ms_now();
    Statement u = conn.prepare(
        "UPDATE runs SET status = 'running', pid = ?2, host = ?3, attempt = attempt + 1, "
        "started_at = coalesce(started_at, ?4), heartbeat_at = ?4, ended_at = NULL, error = NULL, "
        "step = CASE WHEN ?5 THEN ?6 ELSE step END WHERE id = ?1");
    u.bind_int(1, run).bind_int(2, pid).bind_text(3, host).bind_int(4, now)
        .bind_int(5, o.fresh_start || o.resume_checkpoint ? 1 : 0).bind_int(6, start_step).run();
    attempt = h->attempt + 1;
  });
  return attempt;
}

void require_owner(Connection& conn, const LeaseId& id) {
  const std::string what = run_name(id.run) + ", attempt " + std::to_string(id.attempt);
  const std::optional<Holder> h = read_holder(conn, id.run);
  std::string why;
  if (!h) why = "the run was deleted";
  else if (h->attempt != id.attempt)
    why = "attempt " + std::to_string(h->attempt) + " holds it now" +
          (h->pid ? " (process " + std::to_string(*h->pid) + " on " + h->host + ")" : std::string(" (queued again)"));
  else if (h->status != RunStatus::running &&
           !(h->status == RunStatus::failed && h->error == kProcessLost))
    why = "it was set " + std::string(to_string(h->status)) + (h->error.empty() ? "" : " (" + h->error + ")");
  if (!why.empty())
    throw LeaseLost(conn.path(), what,
                    "this process (" + std::to_string(this_pid()) + ") no longer owns the run: " + why +
                        "; it stops without writing anything more");
}

}  // namespace depthscope::store
