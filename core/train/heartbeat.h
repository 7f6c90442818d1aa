#pragma once
// A training process's proof of life: a background thread with its own database connection
// writes heartbeat(run, step) every few seconds, also while the training thread is busy with
// a long evaluation or checkpoint, so a live run is never reaped as "process lost" and a dead
// one is (docs/runs.md). Every heartbeat is a write of the run's lease: when the attempt no
// longer owns the run, the lease's signal is raised and the thread ends. Torch-free.
#include <atomic>
#include <memory>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/store/run_lease.h"

namespace depthscope {

class Heartbeat {
 public:
  Heartbeat(std::string db_path, store::LeaseId lease, std::shared_ptr<store::LeaseSignal> signal,
            std::chrono::milliseconds every = std::chrono::seconds(2));
  ~Heartbeat();  // stops the thread (one last heartbeat is not written: the caller sets the status)
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  void set_step(std::int64_t step) { step_.store(step); }

 private:
  void loop();
  std::string db_path_;
  store::LeaseId lease_;
  std::shared_ptr<store::LeaseSignal> signal_;
  std::chrono::milliseconds every_;
  std::atomic<std::int64_t> step_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace depthscope
