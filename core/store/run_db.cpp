// RunDb: opening, experiments and the run lifecycle. Checkpoints and events are in
// run_artifacts.cpp, stale-run reaping in stale_runs.cpp.
#include "core/store/run_db.h"

#include "core/store/bounded_reads.h"
#include "core/store/connection.h"
#include "core/store/process_probe.h"
#include "core/store/run_lease.h"
#include "core/store/run_row.h"
#include "core/store/schema.h"
#include "core/store/store_limits.h"

namespace depthscope::store {

RunDb::RunDb(const std::string& path, const StoreOptions& options)
    : conn_(std::make_unique<Connection>(path, options)), options_(options) {
  // Nothing is written before the file is known to be DepthScope's (or empty): the check
  // only reads, and the connection does not checkpoint on close until use_wal().
  schema_version_ = check_run_database(*conn_, schema_migrations());
  if (options_.read_only) {
    if (schema_version_ == 0)
      throw DatabaseError(path, "open read-only",
                          "the file is empty, not a run database (opened read-only, it was not created)");
    if (schema_version_ < current_schema_version())
      throw DatabaseError(path, "open read-only",
                          "this run database has schema version " + std::to_string(schema_version_) +
                              " and this DepthScope reads version " +
                              std::to_string(current_schema_version()) +
                              "; opened read-only it cannot be upgraded: open it once where it can be "
                              "written (or a copy of it) to upgrade it");
    return;
  }
  conn_->use_wal(options_);
  schema_version_ = migrate(*conn_, schema_migrations());
  if (options_.reap_on_open) reap_stale_runs(options_.stale_after_ms);
}

RunDb::~RunDb() = default;
RunDb::RunDb(RunDb&&) noexcept = default;
RunDb& RunDb::operator=(RunDb&&) noexcept = default;

const std::string& RunDb::path() const { return conn_->path(); }

bool RunDb::read_only() const { return options_.read_only; }

void RunDb::require_run(std::int64_t run, const std::string& what) {
  if (conn_->changes() == 0)
    throw DatabaseError(path(), what,
                        "there is no run with id " + std::to_string(run) +
                            " (it may have been deleted); list the runs to see which exist");
}

std::int64_t RunDb::create_experiment(const std::string& name, const std::string& spec_json) {
  std::int64_t id = 0;
  check_spec_size(path(), "experiment '" + name + "'", spec_json.size());
  conn_->write("create experiment '" + name + "'", [&] {
    Statement s = conn_->prepare(
        "INSERT INTO experiments(name, spec_json, created_at) VALUES (?1, ?2, ?3)");
    s.bind_text(1, name).bind_text(2, spec_json).bind_int(3, wall_ms_now()).run();
    id = conn_->last_insert_rowid();
  });
  return id;
}

std::vector<Experiment> RunDb::list_experiments() {
  std::vector<Experiment> out;
  conn_->read("list experiments", [&] {
    out.clear();
    Statement s = conn_->prepare(
        "SELECT id, name, spec_json, created_at FROM experiments ORDER BY id LIMIT ?1");
    s.bind_int(1, kMaxRunsRead + 1);
    while (s.step()) {
      if (static_cast<std::int64_t>(out.size()) == kMaxRunsRead)
        throw DatabaseError(path(), "list experiments",
                            "it holds more than " + std::to_string(kMaxRunsRead) +
                                " experiments, more than DepthScope lists");
      out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3)});
      check_spec_size(path(), "experiment " + std::to_string(out.back().id), out.back().spec_json.size());
    }
  });
  return out;
}

std::int64_t RunDb::create_run(const NewRun& run) {
  std::int64_t id = 0;
  check_spec_size(path(), "run '" + run.name + "'", run.spec_json.size());
  conn_->write("create run '" + run.name + "'", [&] {
    Statement s = conn_->prepare(
        "INSERT INTO runs(experiment_id, name, scheme, kind, status, spec_json, created_at, steps) "
        "VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7)");
    s.bind_optional_int(1, run.experiment_id)
        .bind_text(2, run.name)
        .bind_text(3, run.scheme)
        .bind_text(4, to_string(run.kind))
        .bind_text(5, run.spec_json)
        .bind_int(6, wall_ms_now())
        .bind_int(7, run.steps)
        .run();
    id = conn_->last_insert_rowid();
  });
  return id;
}

std::int64_t RunDb::mark_running(std::int64_t run, std::int64_t pid, const std::string& host) {
  return claim_run(*this, run, pid, host);
}

void RunDb::heartbeat(std::int64_t run, std::int64_t step) {
  const std::string what = "heartbeat of run " + std::to_string(run);
  conn_->write(what, [&] {
    // SET expressions all see the old row, so `lost` is evaluated before any change.
    Statement s = conn_->prepare(
        "UPDATE runs SET step = ?2, heartbeat_at = ?3, "
        "status   = CASE WHEN status = 'failed' AND error = ?4 THEN 'running' ELSE status END, "
        "ended_at = CASE WHEN status = 'failed' AND error = ?4 THEN NULL ELSE ended_at END, "
        "error    = CASE WHEN status = 'failed' AND error = ?4 THEN NULL ELSE error END "
        "WHERE id = ?1");
    s.bind_int(1, run).bind_int(2, step).bind_int(3, wall_ms_now()).bind_text(4, kProcessLost).run();
    require_run(run, what);
  });
}

void RunDb::set_status(std::int64_t run, RunStatus status, const std::string& error) {
  const std::string what =
      "set run " + std::to_string(run) + " " + std::string(to_string(status));
  conn_->write(what, [&] {
    Statement s = conn_->prepare(
        "UPDATE runs SET status = ?2, error = ?3, ended_at = ?4 WHERE id = ?1");
    s.bind_int(1, run).bind_text(2, to_string(status));
    if (error.empty()) s.bind_null(3); else s.bind_text(3, error);
    if (is_terminal(status)) s.bind_int(4, wall_ms_now()); else s.bind_null(4);
    s.run();
    require_run(run, what);
  });
}

std::int64_t RunDb::supersede_after(std::int64_t run, std::int64_t step) {
  const std::string what =
      "supersede run " + std::to_string(run) + "'s rows after step " + std::to_string(step);
  std::int64_t deleted = 0;
  conn_->write(what, [&] {
    deleted = 0;
    for (const char* sql : {"DELETE FROM metrics WHERE run_id = ?1 AND step > ?2",
                            "DELETE FROM layer_metrics WHERE run_id = ?1 AND step > ?2"}) {
      Statement s = conn_->prepare(sql);
      s.bind_int(1, run).bind_int(2, step).run();
      deleted += conn_->changes();
    }
    Statement e = conn_->prepare(
        "INSERT INTO events(run_id, wall_ms, level, message) VALUES (?1, ?2, 'info', ?3)");
    e.bind_int(1, run)
        .bind_int(2, wall_ms_now())
        .bind_text(3, "resumed from step " + std::to_string(step) + ": " +
                          std::to_string(deleted) + " metric rows written after it were superseded")
        .run();
  });
  return deleted;
}

void RunDb::delete_run(std::int64_t run) {
  const std::string what = "delete run " + std::to_string(run);
  conn_->write(what, [&] {
    for (const char* sql : {"DELETE FROM metrics WHERE run_id = ?1",
                            "DELETE FROM layer_metrics WHERE run_id = ?1",
                            "DELETE FROM checkpoints WHERE run_id = ?1",
                            "DELETE FROM events WHERE run_id = ?1",
                            "DELETE FROM runs WHERE id = ?1"}) {
      Statement s = conn_->prepare(sql);
      s.bind_int(1, run).run();
    }
    require_run(run, what);
  });
}

std::vector<RunRecord> RunDb::list_runs() {
  if (!options_.read_only) reap_stale_runs(options_.stale_after_ms);
  std::vector<RunRecord> out;
  conn_->read("list runs", [&] {
    out.clear();
    Statement s = conn_->prepare(std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id LIMIT ?1");
    s.bind_int(1, kMaxRunsRead + 1);
    try {
      while (s.step()) {
        if (static_cast<std::int64_t>(out.size()) == kMaxRunsRead)
          throw DatabaseError(path(), "list runs",
                              "it holds more than " + std::to_string(kMaxRunsRead) +
                                  " runs, more than DepthScope lists");
        out.push_back(checked_run(*conn_, read_run(s)));
      }
    } catch (const DatabaseError& e) {
      throw_if_oversized(*conn_, e, std::nullopt);
      throw;
    }
  });
  return out;
}

std::optional<RunRecord> RunDb::get_run(std::int64_t run) {
  std::optional<RunRecord> out;
  conn_->read("read run " + std::to_string(run), [&] {
    out.reset();
    Statement s = conn_->prepare(std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1");
    s.bind_int(1, run);
    try {
      if (s.step()) out = checked_run(*conn_, read_run(s));
    } catch (const DatabaseError& e) {
      throw_if_oversized(*conn_, e, run);
      throw;
    }
  });
  return out;
}

}  // namespace depthscope::store
