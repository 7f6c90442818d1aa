// JobManager: queue, start the worker, stop, resume, wait (core/jobs/job_manager.h).
#include "core/jobs/job_manager.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.h"
#include "core/jobs/process_spawn.h"
#include "core/jobs/process_status.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/store/run_queue.h"
#include "core/train/experiment.h"
#include "core/train/train_spec.h"

namespace depthscope::jobs {
namespace {

constexpr int kSqliteBusy = 5;  // SQLITE_BUSY, the primary code of "database is locked"

std::string run_name(std::int64_t run) { return "run " + std::to_string(run); }

store::RunRecord require_run(store::RunDb& db, std::int64_t run) {
  const std::optional<store::RunRecord> r = db.get_run(run);
  if (!r)
    throw UsageError("there is no " + run_name(run) + " in " + db.path() +
                     " (it may have been deleted); `depthscope-cli runs list --db " + db.path() +
                     "` lists the runs");
  return *r;
}

// SIGTERM to a run's process after checking it is ours to signal.
std::int64_t signal_run_process(const store::RunRecord& r, const std::string& host) {
  const std::int64_t pid = r.pid.value_or(0);
  if (r.host != host)
    throw UsageError(run_name(r.id) + " runs on host " + r.host + " (pid " + std::to_string(pid) +
                     "), not on this one (" + host + "); stop it there");
  if (!store::process_alive(pid)) return 0;
  if (!is_depthscope_process(pid))
    throw UsageError(run_name(r.id) + "'s pid " + std::to_string(pid) +
                     " is no longer a DepthScope process (its process is gone and the pid was reused); it "
                     "will be marked failed (\"process lost\") when its heartbeat times out");
  if (kill(static_cast<pid_t>(pid), SIGTERM) != 0) {
    if (errno == ESRCH) return 0;
    throw UsageError("cannot signal pid " + std::to_string(pid) + " of " + run_name(r.id) + ": " +
                     std::strerror(errno));
  }
  return pid;
}

}  // namespace

JobManager::JobManager(JobOptions options) : o_(resolved(std::move(options))) {}

QueuedExperiment JobManager::queue_spec(const std::string& spec_path) {
  const TrainSpec spec = read_train_spec(spec_path);
  const CreatedExperiment e = create_experiment(spec, o_.db_path);
  return {e.experiment, e.runs, e.corpus_dir};
}

WorkerStart JobManager::ensure_worker() {
  WorkerStart out;
  out.existing = worker_info(o_.db_path);
  if (out.existing.running) {
    out.pid = out.existing.pid;
    return out;
  }
  std::vector<std::string> argv{o_.cli_path};
  if (o_.threads > 0) argv.insert(argv.end(), {"--threads", std::to_string(o_.threads)});
  argv.insert(argv.end(), {"jobs", "worker", "--db", o_.db_path, "--out", o_.out_dir, "--parallel",
                           std::to_string(o_.parallel), "--nice", std::to_string(o_.nice)});
  out.pid = spawn_detached(argv, worker_log_path(o_.out_dir));
  out.started = true;
  return out;
}

StopResult JobManager::stop(std::int64_t run) {
  store::RunDb db(o_.db_path, o_.store);  // opening reaps lost runs
  const std::string host = store::this_host();
  for (int attempt = 0; attempt < 3; ++attempt) {
    const store::RunRecord r = require_run(db, run);
    if (store::is_terminal(r.status))
      throw UsageError(run_name(run) + " is already " + std::string(store::to_string(r.status)) +
                       "; there is nothing to stop");
    if (r.status == store::RunStatus::queued) {
      // Unclaimed, or claimed by a process that is gone: stop it in the queue.
      const std::int64_t stale = r.pid && r.host == host && !store::process_alive(*r.pid) ? *r.pid : 0;
      if (!r.pid || stale) {
        if (store::stop_queued_run(db, run, "stopped before it started", stale)) {
          db.add_event(run, store::EventLevel::info, "stopped in the queue by jobs stop");
          return {StopAction::dequeued, 0};
        }
        continue;  // claimed or started meanwhile: look again
      }
    }
    // Running, or queued and claimed by a process about to train it.
    const std::int64_t pid = signal_run_process(r, host);
    if (pid == 0) {
      db.reap_stale_runs(o_.store.stale_after_ms);
      continue;  // its process is gone: look again (now failed, or unclaimed)
    }
    db.add_event(run, store::EventLevel::info,
                 "jobs stop sent SIGTERM to pid " + std::to_string(pid) + " on " + host);
    return {StopAction::signalled, pid};
  }
  const store::RunRecord r = require_run(db, run);
  throw UsageError(run_name(run) + " is " + std::string(store::to_string(r.status)) +
                   " and its state kept changing while stopping it; run jobs stop again");
}

WorkerStart JobManager::resume(std::int64_t run, bool force) {
  {
    store::RunDb db(o_.db_path, o_.store);
    const store::RunRecord r = require_run(db, run);
    switch (r.status) {
      case store::RunStatus::queued:
        break;  // only needs a worker
      case store::RunStatus::running:
        throw UsageError(run_name(run) + " is already running (pid " + std::to_string(r.pid.value_or(0)) + " on " +
                         r.host + ")");
      case store::RunStatus::finished:
        throw UsageError(run_name(run) + " is finished (step " + std::to_string(r.step) + " of " +
                         std::to_string(r.steps) + "); there is nothing to resume");
      case store::RunStatus::diverged:
        throw UsageError(run_name(run) + " diverged (" + r.error +
                         "); resumed from its last checkpoint it would take the same steps and diverge "
                         "again: change the spec (e.g. a lower lr or clipping) and start a new run");
      case store::RunStatus::stopped:
      case store::RunStatus::failed: {
        if (!store::requeue_run(db, run, force))
          throw UsageError(run_name(run) + " changed state while resuming it; run jobs resume again");
        const std::optional<store::CheckpointRecord> ck = db.last_checkpoint(run);
        db.add_event(run, store::EventLevel::info,
                     "queued again by jobs resume: it continues " +
                         (ck ? "from its checkpoint at step " + std::to_string(ck->step)
                             : std::string("from step 0 (it has no checkpoint)")));
        break;
      }
    }
  }
  return ensure_worker();
}

WaitResult JobManager::wait(std::int64_t run, std::chrono::milliseconds timeout, std::chrono::milliseconds poll,
                            const std::atomic<bool>* cancel) {
  store::RunDb db(o_.db_path, o_.store);
  const auto start = std::chrono::steady_clock::now();
  auto unattended_since = start;  // since when the run has been queued with no worker
  bool unattended = false;
  for (;;) {
    try {
      db.reap_stale_runs(o_.store.stale_after_ms);
    } catch (const store::DatabaseError& e) {
      // A frozen process may hold the write lock; keep reading and try again at the next poll.
      if ((e.code() & 0xff) != kSqliteBusy) throw;
    }
    const std::optional<store::RunRecord> r = db.get_run(run);
    if (!r)
      throw UsageError("there is no " + run_name(run) + " in " + o_.db_path + " (it was deleted, or never existed)");
    if (store::is_terminal(r->status)) return {*r, false};
    const auto now = std::chrono::steady_clock::now();
    if (timeout.count() > 0 && now - start >= timeout) return {*r, true};
    if (cancel != nullptr && cancel->load()) throw Cancelled();
    // A queued run with no worker would wait forever; a worker may drop its lock for an
    // instant while it checks for new runs, so only a few seconds without one count.
    const bool orphan = r->status == store::RunStatus::queued && !r->pid && !worker_info(o_.db_path).running;
    if (!orphan) unattended = false;
    else if (!unattended) unattended = true, unattended_since = now;
    else if (now - unattended_since > std::chrono::seconds(3))
      throw UsageError(run_name(run) + " is queued but no job worker is draining " + o_.db_path +
                       "; `depthscope-cli jobs resume " + std::to_string(run) + " --db " + o_.db_path +
                       "` starts one");
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace depthscope::jobs
