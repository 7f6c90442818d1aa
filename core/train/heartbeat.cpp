#include "core/train/heartbeat.h"

#include <cstdio>

#include "core/store/run_db.h"

namespace depthscope {

Heartbeat::Heartbeat(std::string db_path, store::LeaseId lease, std::shared_ptr<store::LeaseSignal> signal,
                     std::chrono::milliseconds every)
    : db_path_(std::move(db_path)), lease_(lease), signal_(std::move(signal)), every_(every),
      thread_([this] { loop(); }) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Heartbeat::loop() {
  try {
    store::StoreOptions o;
    o.reap_on_open = false;  // this process is the run's owner
    store::RunDb db(db_path_, o);
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, every_, [this] { return stop_; })) {
      lock.unlock();
      try {
        store::lease_heartbeat(db, lease_, *signal_, step_.load());
      } catch (const store::LeaseLost&) {
        return;  // the training thread sees the signal and says why
      } catch (const std::exception& e) {
        // A busy or full database: the training thread meets the same error at its next write
        // and ends the run; the heartbeat only reports it.
        std::fprintf(stderr, "heartbeat: %s\n", e.what());
      }
      lock.lock();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "heartbeat: cannot open %s: %s\n", db_path_.c_str(), e.what());
  }
}

}  // namespace depthscope
