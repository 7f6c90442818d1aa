#pragma once
// Progress and cancellation for long work. Torch-free and Qt-free.
//
// Contract: long calls take a `const RunControl&`. They call `control.report(done, total,
// stage)` from the worker thread as work completes, and `control.check_cancel()` between
// units of work, which throws depthscope::Cancelled when the token is set. The token is a
// std::atomic<bool> the GUI thread sets directly, so cancel works while the worker is busy.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

namespace depthscope {

struct Progress {
  double done = 0;           // units finished
  double total = 0;          // units in all
  std::string stage;         // "layer 12/48", "window 3/20", ...
  double elapsed_s = 0;      // since the RunControl was created
  double eta_s = -1;         // estimated seconds left; < 0 while unknown (before the first unit)
  double fraction() const { return total > 0 ? done / total : 0.0; }
};

using ProgressFn = std::function<void(const Progress&)>;

class RunControl {
 public:
  RunControl() : start_(std::chrono::steady_clock::now()) {}
  RunControl(ProgressFn on_progress, const std::atomic<bool>* cancel)
      : on_progress_(std::move(on_progress)), cancel_(cancel), start_(std::chrono::steady_clock::now()) {}

  bool cancelled() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }
  void check_cancel() const;
  // ETA = elapsed * (total - done) / done, once done > 0.
  void report(double done, double total, const std::string& stage) const;

 private:
  ProgressFn on_progress_;
  const std::atomic<bool>* cancel_ = nullptr;
  std::chrono::steady_clock::time_point start_;
};

// "1:23" / "0:07" / "1:02:03" for an ETA or elapsed time in seconds; "--:--" when unknown.
std::string format_duration(double seconds);

}  // namespace depthscope
