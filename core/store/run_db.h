#pragma once
// The run database: one SQLite file per workspace that training processes write and the
// GUI and CLI read while runs are live (docs/runs.md documents the schema).
//
// A RunDb is one connection: use it from one thread at a time, and give every thread and
// process its own. Metrics are written through MetricWriter (batched) and read through
// metric_reader.h. Every failure throws DatabaseError (a FileError) naming the file,
// the operation and SQLite's message.
//
// Opening reaps stale runs (StoreOptions::reap_on_open), and so does list_runs(): a run
// whose process died is shown as failed ("process lost"), never as running forever
// (not when opened read-only: then nothing is written and statuses are shown as stored).
//
// A run database may come from someone else: opening checks, before writing anything,
// that the file's schema is exactly DepthScope's, and reads are bounded (store_limits.h;
// docs/runs.md, "Opening a database from someone else").
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/store/run_records.h"
#include "core/store/store_error.h"
#include "core/store/store_options.h"

namespace depthscope::store {

class Connection;

class RunDb {
 public:
  // Opens or creates the file, migrating an older schema; a newer schema than this code
  // knows, or a file that is not a DepthScope run database (schema.h,
  // check_run_database), throws DatabaseError naming the file, and leaves it unchanged.
  explicit RunDb(const std::string& path, const StoreOptions& options = {});
  ~RunDb();
  RunDb(RunDb&&) noexcept;
  RunDb& operator=(RunDb&&) noexcept;

  const std::string& path() const;
  // Opened with StoreOptions::read_only: nothing is written, stale runs are not reaped.
  bool read_only() const;
  int schema_version() const { return schema_version_; }

  // --- experiments -------------------------------------------------------------------
  std::int64_t create_experiment(const std::string& name, const std::string& spec_json = "{}");
  std::vector<Experiment> list_experiments();
  // The experiment and all its runs (queued) in one transaction: afterwards either every
  // row exists or none does, whatever fails or kills the process midway. Each run's
  // experiment_id is set to the new experiment. Returns the ids, runs in the given order.
  struct CreatedRows {
    std::int64_t experiment = 0;
    std::vector<std::int64_t> runs;
  };
  CreatedRows create_experiment_with_runs(const std::string& name, const std::string& spec_json,
                                          std::vector<NewRun> runs);

  // --- run lifecycle -----------------------------------------------------------------
  // A new run in status queued.
  std::int64_t create_run(const NewRun& run);
  // The process `pid` on `host` claims the run (claim_run in core/store/run_lease.h: a
  // compare-and-set that refuses while another live process holds it): status running,
  // heartbeat now, started_at set once, ended_at and error cleared, attempt + 1. Returns the
  // new attempt. Training processes claim through a RunLease, which also supersedes rows.
  std::int64_t mark_running(std::int64_t run, std::int64_t pid, const std::string& host);
  // The run is alive and at `step`. A run that was reaped as "process lost" while its
  // process was in fact only slow is set back to running: a heartbeat is proof of life.
  void heartbeat(std::int64_t run, std::int64_t step);
  // Any status; a terminal one (stopped, finished, failed, diverged) also sets ended_at.
  void set_status(std::int64_t run, RunStatus status, const std::string& error = "");
  // On resume from the checkpoint at `step`: deletes the run's metrics and layer_metrics
  // with step > `step` (written by the process that died after that checkpoint), so a
  // reader never sees two values for one (run, key, step) and steps keep increasing.
  // Records an info event. Returns the number of rows deleted.
  std::int64_t supersede_after(std::int64_t run, std::int64_t step);
  // Deletes the run and all its rows (not the checkpoint files on disk).
  void delete_run(std::int64_t run);
  // Reaps stale runs first (unless read-only); ordered by id. Throws DatabaseError when
  // there are more than kMaxRunsRead runs, or a run's spec_json is over
  // kMaxSpecJsonBytes (get_run too), or a value is over kMaxValueBytes, naming the run.
  std::vector<RunRecord> list_runs();
  std::optional<RunRecord> get_run(std::int64_t run);

  // --- checkpoints and events ----------------------------------------------------------
  void add_checkpoint(std::int64_t run, std::int64_t step, const std::string& path);
  // The checkpoint with the largest step (the newest one among equal steps).
  std::optional<CheckpointRecord> last_checkpoint(std::int64_t run);
  std::vector<CheckpointRecord> checkpoints(std::int64_t run);
  // `run` empty: an event of the workspace rather than of one run.
  void add_event(std::optional<std::int64_t> run, EventLevel level, const std::string& message);

  // --- stale runs ----------------------------------------------------------------------
  // Marks failed, with error "process lost" and ended_at now, every running run whose
  // process is certainly dead on this host (kill(pid, 0) -> ESRCH) or whose heartbeat is
  // older than `timeout_ms`. Returns the ids it marked. Takes the write lock only when
  // there is something to mark. Queued runs claimed by a process gone from this host are
  // unclaimed on the way (store::unclaim_orphaned_runs), so a worker starts them again.
  std::vector<std::int64_t> reap_stale_runs(std::int64_t timeout_ms);

  // The connection, for the store's reader and tests.
  Connection& connection() { return *conn_; }

 private:
  void require_run(std::int64_t run, const std::string& what);
  std::unique_ptr<Connection> conn_;
  StoreOptions options_;
  int schema_version_ = 0;
};

}  // namespace depthscope::store
