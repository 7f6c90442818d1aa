#pragma once
// The queue of runs waiting for a training process, as compare-and-set updates of the `runs`
// table, so a job worker, `jobs stop` and `jobs resume` racing each other never start a run
// twice, start a stopped run, or lose a stop.
//
// A queued run is *claimed* by the job manager when it has a pid: the process that is about
// to train it (forked, not yet trained; it marks the run running itself). An unclaimed
// queued run has pid NULL. Torch-free, SQLite-free header.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/run_records.h"

namespace depthscope::store {

class RunDb;

// Queued runs in id order (the order the worker starts them), claimed or not.
std::vector<RunRecord> queued_runs(RunDb& db);

// Claims queued run `run` for process `pid` on `host`: sets pid and host if the run is queued
// and unclaimed (or claimed by `stale_pid`, a process known to be gone). True if claimed.
bool claim_queued_run(RunDb& db, std::int64_t run, std::int64_t pid, const std::string& host,
                      std::int64_t stale_pid = 0);

// Stops a queued run before any process starts it: status stopped with `reason`, if it is
// unclaimed (or claimed by `stale_pid`, a process known to be gone). True if it was stopped
// (false: it was claimed, started or ended meanwhile).
bool stop_queued_run(RunDb& db, std::int64_t run, const std::string& reason, std::int64_t stale_pid = 0);

// Puts a stopped or failed run back in the queue (status queued, unclaimed, ended_at and
// error cleared; started_at, step, metrics and checkpoints kept) and ends the attempt that
// held it (attempt + 1: a process of that attempt that is only frozen writes nothing more when
// it continues). True if it was requeued. Unless `force`, throws ClaimRefused naming the pid
// while the run's recorded process is alive on this host (a SIGSTOPped one counts as alive).
bool requeue_run(RunDb& db, std::int64_t run, bool force = false);

// Queued runs claimed by a process that is certainly gone from this host (a job worker and
// its child both killed before the child trained) are unclaimed, so a worker starts them
// again, with an event saying why. Returns their ids.
std::vector<std::int64_t> unclaim_orphaned_runs(RunDb& db);

}  // namespace depthscope::store
