// The job worker's loop (core/jobs/queue_worker.h).
#include "core/jobs/queue_worker.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/jobs/process_spawn.h"
#include "core/jobs/process_status.h"
#include "core/jobs/worker_lock.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/store/run_queue.h"

namespace depthscope::jobs {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(250);

struct Child {
  std::int64_t run = 0;
  std::string log;
};

std::string timestamp();

// The spec's "threads" (0 when absent or unreadable: the training process reports a bad spec).
int spec_threads(const std::string& spec_json) {
  const nlohmann::json j = nlohmann::json::parse(spec_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("threads") || !j["threads"].is_number_integer()) return 0;
  return std::max(0, j["threads"].get<int>());
}

// Lowers this process's CPU priority by `increment` (nice), inherited by the training processes
// it starts. The worker runs in its own session, and with autogroup scheduling (Linux's default)
// a session competes as one group whatever its threads' nice values: so the session's group is
// lowered too (/proc/self/autogroup), or a desktop session would still share the cores equally.
void lower_priority(int increment, std::ostream& log) {
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, 0);
  const int target = std::min(19, now + increment);
  if (errno != 0 || setpriority(PRIO_PROCESS, 0, target) != 0)
    log << timestamp() << " could not lower the worker's priority (nice " << target << "): " << std::strerror(errno)
        << std::endl;
  std::ofstream group("/proc/self/autogroup");
  if (group) group << target << std::flush;  // absent without CONFIG_SCHED_AUTOGROUP: nothing to do
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

class Worker {
 public:
  Worker(const JobOptions& options, std::ostream& log)
      : o_(options), log_(log), host_(store::this_host()), db_(o_.db_path, o_.store) {}

  // A queued run this worker may start: unclaimed, or claimed by a process gone from this host.
  // Returns the stale claimer's pid through `stale` (0 when unclaimed).
  bool startable(const store::RunRecord& r, std::int64_t& stale) const {
    stale = 0;
    if (!r.pid) return true;
    for (const auto& c : children_)
      if (c.second.run == r.id) return false;
    if (r.host == host_ && !store::process_alive(*r.pid)) {
      stale = *r.pid;
      return true;
    }
    return false;  // being started by a live process (another worker's, or another host's)
  }

  bool any_startable() {
    std::int64_t stale = 0;
    for (const store::RunRecord& r : store::queued_runs(db_))
      if (startable(r, stale)) return true;
    return false;
  }

  void start_queued(const std::atomic<bool>* stop) {
    if (children_.size() >= static_cast<std::size_t>(o_.parallel)) return;
    db_.reap_stale_runs(o_.store.stale_after_ms);
    for (const store::RunRecord& r : store::queued_runs(db_)) {
      if (children_.size() >= static_cast<std::size_t>(o_.parallel)) break;
      if (stop != nullptr && stop->load()) break;
      std::int64_t stale = 0;
      if (startable(r, stale)) start(r, stale);
    }
  }

  void start(const store::RunRecord& r, std::int64_t stale) {
    const bool resume = db_.last_checkpoint(r.id).has_value();
    std::vector<std::string> argv{o_.cli_path};
    const char* env = std::getenv("DEPTHSCOPE_THREADS");
    const int threads = training_threads(o_, spec_threads(r.spec_json), env != nullptr ? std::atoi(env) : 0,
                                         static_cast<int>(std::thread::hardware_concurrency()));
    argv.insert(argv.end(), {"--threads", std::to_string(threads)});
    argv.insert(argv.end(), {"train", resume ? "--resume" : "--run", std::to_string(r.id), "--db", o_.db_path,
                             "--out", o_.out_dir});
    const std::string log = run_log_path(o_.out_dir, r.id);
    GatedChild child(argv, log);
    if (!store::claim_queued_run(db_, r.id, child.pid(), host_, stale)) {
      child.cancel();  // stopped, deleted or claimed meanwhile
      return;
    }
    // A run that started before and has no checkpoint starts again from step 0: its training
    // process supersedes the earlier attempt's rows when it claims the run (RunLease).
    std::string command;
    for (std::size_t i = 1; i < argv.size(); ++i) command += (i > 1 ? " " : "") + argv[i];
    try {
      child.release();
    } catch (const UsageError& e) {
      db_.set_status(r.id, store::RunStatus::failed, e.what());
      db_.add_event(r.id, store::EventLevel::error, std::string("the job worker could not start it: ") + e.what());
      log_ << timestamp() << " run " << r.id << ": " << e.what() << std::endl;
      return;
    }
    children_[static_cast<pid_t>(child.pid())] = {r.id, log};
    ++started_;
    db_.add_event(r.id, store::EventLevel::info,
                  "job worker started pid " + std::to_string(child.pid()) + " on " + host_ + ": " + command +
                      "; output in " + log);
    log_ << timestamp() << " run " << r.id << ": started pid " << child.pid() << " (" << command << ")" << std::endl;
  }

  // Reaps ended training processes; the worker ends a run its process left unended.
  void reap_children() {
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      auto it = children_.find(pid);
      if (it == children_.end()) continue;
      const Child child = it->second;
      children_.erase(it);
      ended(child, pid, status);
    }
  }

  void ended(const Child& child, pid_t pid, int status) {
    const std::string how = "training process " + std::to_string(pid) + " " + exit_description(status);
    log_ << timestamp() << " run " << child.run << ": " << how << std::endl;
    const std::optional<store::RunRecord> r = db_.get_run(child.run);
    if (!r) return;  // deleted meanwhile
    const bool ours = r->pid && *r->pid == pid;
    if (ours && r->status == store::RunStatus::queued) {
      if (killed_by_stop_signal(status))
        db_.set_status(child.run, store::RunStatus::stopped, "stopped before it started");
      else
        db_.set_status(child.run, store::RunStatus::failed,
                       "the " + how + " before it started the run; its output is in " + child.log);
    } else if (ours && r->status == store::RunStatus::running) {
      db_.reap_stale_runs(o_.store.stale_after_ms);  // its pid is gone: "process lost"
    }
    const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    db_.add_event(child.run, clean ? store::EventLevel::info : store::EventLevel::error,
                  how + (clean ? "" : "; its output is in " + child.log));
  }

  WorkerSummary run(WorkerLock& lock, const std::atomic<bool>* stop) {
    WorkerSummary summary;
    summary.drained = true;
    for (;;) {
      reap_children();
      if (stop != nullptr && stop->load()) break;
      start_queued(stop);
      if (children_.empty() && !any_startable()) {
        // Drained. Release the lock, then look once more: a `jobs start` that queued runs
        // while this worker held the lock saw a worker and started none.
        lock.release();
        if (!any_startable() || !lock.try_acquire()) break;
        describe(lock);
        continue;
      }
      std::this_thread::sleep_for(kPoll);
    }
    summary.started = started_;
    return summary;
  }

  void describe(WorkerLock& lock) {
    lock.describe({true, store::this_pid(), host_, o_.out_dir, o_.parallel, store::wall_ms_now()});
  }

 private:
  JobOptions o_;
  std::ostream& log_;
  std::string host_;
  store::RunDb db_;
  std::map<pid_t, Child> children_;
  int started_ = 0;
};

}  // namespace

WorkerSummary run_queue_worker(const JobOptions& options, std::ostream& log, const std::atomic<bool>* stop) {
  const JobOptions o = resolved(options);
  WorkerLock lock(o.db_path);
  if (!lock.try_acquire()) {
    log << timestamp() << " another job worker is draining " << o.db_path << "; this one exits" << std::endl;
    return {};
  }
  if (o.nice > 0) lower_priority(o.nice, log);
  Worker worker(o, log);
  worker.describe(lock);
  log << timestamp() << " job worker " << store::this_pid() << " drains " << o.db_path << " (" << o.parallel
      << " at a time, nice " << getpriority(PRIO_PROCESS, 0) << ")" << std::endl;
  const WorkerSummary summary = worker.run(lock, stop);
  log << timestamp() << " job worker " << store::this_pid() << " done: started " << summary.started
      << " training process(es)" << std::endl;
  return summary;
}

}  // namespace depthscope::jobs
