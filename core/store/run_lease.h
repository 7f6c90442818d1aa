#pragma once
// One owner per run (docs/runs.md, "Ownership"). A training process *claims* its run, which
// makes it the run's next attempt (runs.attempt + 1), and from then on writes the run only
// through its lease: heartbeats, events, checkpoints, the end status and (through
// MetricWriter) metrics. Every one of those writes checks, inside its own transaction, that
// the run still belongs to this attempt. When it does not (the run was reaped and resumed by
// another process, queued again, ended or deleted) the write is refused with LeaseLost, the
// lease's signal is raised for every writer of the process, and nothing more is written.
//
// Torch-free, SQLite-free header.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/store/run_db.h"
#include "core/store/run_records.h"

namespace depthscope::store {

// Which attempt of which run a process owns.
struct LeaseId {
  std::int64_t run = 0;
  std::int64_t attempt = 0;
};

// Raised once by whichever writer of the process first finds the run lost; every writer
// then refuses without touching the database.
class LeaseSignal {
 public:
  void raise(const std::string& why);
  bool raised() const { return raised_.load(); }
  std::string why() const;

 private:
  std::atomic<bool> raised_{false};
  mutable std::mutex mu_;
  std::string why_;
};

// What a claim asks for besides ownership.
struct ClaimOptions {
  // Training from step 0: the rows of earlier attempts (metrics, layer metrics) are
  // superseded in the claim's transaction; refused when the run has checkpoints (they
  // would mix two attempts: continue it with --resume instead).
  bool fresh_start = false;
  // Resuming: the id of the checkpoint the process loaded. The claim is refused unless it
  // is still the run's last checkpoint, and rows written after its step are superseded.
  std::optional<std::int64_t> resume_checkpoint;
};

// Claims `run` for process `pid` on `host` in one write transaction (a compare-and-set):
// granted only from queued, stopped or failed (a running run only when its process is
// certainly dead on this host), and only when the recorded process is absent, `pid` itself,
// or certainly dead on this host. Sets status running, pid, host, attempt + 1, the heartbeat,
// started_at once, step; clears ended_at and error. Returns the new attempt. Refusals throw
// ClaimRefused naming the live pid, the checkpoints or the status.
std::int64_t claim_run(RunDb& db, std::int64_t run, std::int64_t pid, const std::string& host,
                       const ClaimOptions& options = {});

// A heartbeat of attempt `id` through `db` (a connection of the heartbeat thread's own):
// step and heartbeat_at, and a run reaped as "process lost" is running again. Throws
// LeaseLost (raising `signal`) when the attempt no longer owns the run.
void lease_heartbeat(RunDb& db, const LeaseId& id, LeaseSignal& signal, std::int64_t step);

class RunLease {
 public:
  // Opens its own connection to `db_path` and claims `run` for this process.
  RunLease(const std::string& db_path, std::int64_t run, const ClaimOptions& options);
  RunLease(const RunLease&) = delete;
  RunLease& operator=(const RunLease&) = delete;

  const LeaseId& id() const { return id_; }
  std::int64_t run() const { return id_.run; }
  std::int64_t attempt() const { return id_.attempt; }
  const std::string& db_path() const { return db_.path(); }
  const std::shared_ptr<LeaseSignal>& signal() const { return signal_; }

  // Throws LeaseLost, without touching the database, once any writer has found the run lost.
  void check() const;
  // The run is alive and at `step` (a run reaped as "process lost" is set back to running).
  void heartbeat(std::int64_t step);
  void add_event(EventLevel level, const std::string& message);
  // Publishes a finished checkpoint folder: under the database's write lock, and only while
  // this attempt owns the run, `staged` is renamed to `final_dir` (whose parent is then
  // synced) and listed. A leftover `final_dir` that no checkpoint row lists (an attempt that
  // died between its rename and its row) is removed first; one that a row lists is never
  // touched: that is a FileError.
  void publish_checkpoint(std::int64_t step, const std::string& staged, const std::string& final_dir);
  // Ends the attempt: `status` (terminal) with `error`, and the event `message` when not
  // empty, in one transaction. Later writes are refused.
  void end(RunStatus status, const std::string& error, const std::string& message = "");
  // Reads through the lease's connection (the run's checkpoints, its record).
  RunDb& db() { return db_; }

 private:
  void owned_write(const std::string& what, const std::function<void()>& body);
  RunDb db_;
  LeaseId id_;
  std::shared_ptr<LeaseSignal> signal_ = std::make_shared<LeaseSignal>();
  bool ended_ = false;
};

}  // namespace depthscope::store
