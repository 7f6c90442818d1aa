#include "core/runtime/progress.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace depthscope {

void RunControl::check_cancel() const {
  if (cancelled()) throw Cancelled();
}

void RunControl::report(double done, double total, const std::string& stage) const {
  if (!on_progress_) return;
  Progress p;
  p.done = done;
  p.total = total;
  p.stage = stage;
  p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  p.eta_s = done > 0 ? p.elapsed_s * (total - done) / done : -1.0;
  on_progress_(p);
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "--:--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace depthscope
