#pragma once
// The job manager: every run executes in its own depthscope-cli process, never inside the
// caller (the CLI now, the GUI next). Queued runs are started by a detached job worker
// (`depthscope-cli jobs worker`, queue_worker.h), one at a time unless `parallel` says more;
// the training process records its pid and host and heartbeats (core/train/trainer.cpp).
// Torch-free header: plain structs.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/jobs/job_options.h"
#include "core/jobs/worker_lock.h"
#include "core/store/run_records.h"

namespace depthscope::jobs {

struct QueuedExperiment {
  std::int64_t experiment = 0;
  std::vector<std::int64_t> runs;  // one queued run per scheme, in the spec's order
  std::string corpus_dir;
};

struct WorkerStart {
  bool started = false;  // false: a worker was already draining the database
  std::int64_t pid = 0;  // the new worker's pid, or the running one's (0 if it has not said yet)
  WorkerInfo existing;   // the worker that was already draining, when started is false
};

enum class StopAction {
  signalled,  // SIGTERM sent to the run's process: it checkpoints after its step, then stops
  dequeued,   // the run was still queued: it is stopped and will not start
};

struct StopResult {
  StopAction action = StopAction::signalled;
  std::int64_t pid = 0;  // the process signalled
};

struct WaitResult {
  store::RunRecord run;    // as last read
  bool timed_out = false;  // the run was not terminal when the timeout passed
};

class JobManager {
 public:
  // Resolves the options (cli_path, out_dir, absolute paths); throws UsageError if invalid.
  explicit JobManager(JobOptions options);
  const JobOptions& options() const { return o_; }

  // Checks the spec and queues one run per scheme (core/train/experiment.h); starts nothing.
  QueuedExperiment queue_spec(const std::string& spec_path);

  // Starts a detached job worker for the database unless one is draining it already.
  WorkerStart ensure_worker();

  // Stops a run: a running one gets SIGTERM (only when its pid is alive on this machine and is
  // a DepthScope process), a queued one is stopped before it starts. Throws UsageError saying
  // why otherwise (already ended, on another host, no such run).
  StopResult stop(std::int64_t run);

  // Puts a stopped or failed run back in the queue (the worker continues it from its last
  // checkpoint with `train --resume`, or from step 0 when it has none) and makes sure a worker
  // drains the queue. A queued run only gets the worker. Throws UsageError for a running,
  // finished or diverged run, naming why, and store::ClaimRefused while the run's recorded
  // process is alive on this host (a frozen one included) unless `force`: the run is then
  // taken from it, and that process stops without writing anything more when it continues.
  WorkerStart resume(std::int64_t run, bool force = false);

  // Polls the database (every `poll`) until the run is terminal, reaping lost runs on the way,
  // and returns it. timeout 0: no limit. Throws UsageError when the run does not exist, is
  // deleted meanwhile, or stays queued with no worker to start it; Cancelled when `cancel` is set.
  WaitResult wait(std::int64_t run, std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                  std::chrono::milliseconds poll = std::chrono::milliseconds(500),
                  const std::atomic<bool>* cancel = nullptr);

 private:
  JobOptions o_;
};

}  // namespace depthscope::jobs
