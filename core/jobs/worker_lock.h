#pragma once
// At most one job worker drains a run database: the worker holds an exclusive flock(2) on
// `<database>.worker.lock` for as long as it runs. The kernel drops the lock when the worker
// exits or dies (kill -9 included), so there is never a stale lock to clean up; the file itself
// stays and means nothing without the lock. While it holds the lock the worker writes who it is
// into the file (JSON: pid, host, out_dir, parallel, started_at), for `jobs list`.
//
// Probing (worker_info) takes the lock for an instant when it is free, so acquiring retries
// for a short while before concluding that another worker holds it. Torch-free.
#include <chrono>
#include <cstdint>
#include <string>

namespace depthscope::jobs {

std::string worker_lock_path(const std::string& db_path);

struct WorkerInfo {
  bool running = false;  // a worker holds the lock now
  std::int64_t pid = 0;
  std::string host, out_dir;
  int parallel = 0;
  std::int64_t started_at = 0;  // ms since the Unix epoch
};

// Whether a worker is draining `db_path` now, and who it is.
WorkerInfo worker_info(const std::string& db_path);

class WorkerLock {
 public:
  explicit WorkerLock(std::string db_path);
  ~WorkerLock();
  WorkerLock(const WorkerLock&) = delete;
  WorkerLock& operator=(const WorkerLock&) = delete;

  // Takes the lock, trying for up to `patience`; false if another worker holds it. Throws
  // UsageError naming the lock file when it cannot be created.
  bool try_acquire(std::chrono::milliseconds patience = std::chrono::milliseconds(1000));
  // Writes `info` into the lock file (only while held).
  void describe(const WorkerInfo& info);
  void release();
  bool held() const { return fd_ >= 0; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace depthscope::jobs
