#pragma once
// When a run has diverged: a NaN or Inf loss at once, or a loss that stays more than `margin`
// nats above its running minimum for `patience` consecutive steps (the paper's Post-LN rows
// at 250M+ end near ppl 1400, i.e. loss ~7.2 after having been far lower). Torch-free.
#include <cstdint>
#include <string>

namespace depthscope {

class DivergenceWatch {
 public:
  // margin <= 0 or patience <= 0 switch the running-minimum rule off (NaN/Inf still count).
  DivergenceWatch(double margin, std::int64_t patience) : margin_(margin), patience_(patience) {}
  // "" while the run is fine; otherwise why it diverged, naming the step.
  std::string check(std::int64_t step, double loss);
  double running_min() const { return min_; }

 private:
  double margin_;
  std::int64_t patience_;
  double min_ = 0;
  bool seen_ = false;
  std::int64_t above_ = 0;  // consecutive steps above min + margin
};

}  // namespace depthscope
