#pragma once
// The job worker: drains the queue of one run database. It holds the database's worker lock
// (worker_lock.h) so at most one worker drains a database, starts queued runs in id order,
// `parallel` at a time, each as its own `depthscope-cli train` process (train --run RUN from
// its start, or train --resume RUN when the run has a checkpoint), waits for them, and exits
// when the queue is empty and its training processes have ended.
//
// A run is claimed (its pid set while still queued) before its process executes, so `jobs
// stop` cannot be lost between the worker's decision and the process's start. When a training
// process ends without having ended its run, the worker does: a run it never started is marked
// failed (or stopped, if a stop signal killed it), and a running run whose process died is
// reaped as "process lost". Every start and end is an event of the run. Torch-free.
#include <atomic>
#include <ostream>

#include "core/jobs/job_options.h"

namespace depthscope::jobs {

struct WorkerSummary {
  bool drained = false;  // false: another worker held the lock, this one did nothing
  int started = 0;       // training processes started
};

// Runs until the queue is drained (or `stop` is set: then it starts nothing more and returns
// without waiting; the training processes keep running). Writes one line per action to `log`.
WorkerSummary run_queue_worker(const JobOptions& options, std::ostream& log,
                               const std::atomic<bool>* stop = nullptr);

}  // namespace depthscope::jobs
