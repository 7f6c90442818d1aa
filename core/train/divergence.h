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
  // "" while the run is fine; otherwise why it diverged, naming the step: a NaN/Inf loss or
  // gradient norm (the step's update was skipped), or the running-minimum rule.
  std::string check(std::int64_t step, double loss, double grad_norm = 0);
  double running_min() const { return min_; }

  // What the watch has seen, saved in every checkpoint (trainer_state.json "divergence") and
  // restored on resume, so a resumed run diverges exactly when the uninterrupted run would.
  struct State {
    double running_min = 0;
    bool seen = false;
    std::int64_t steps_above = 0;
  };
  State state() const { return {min_, seen_, above_}; }
  void restore(const State& s) {
    min_ = s.running_min;
    seen_ = s.seen;
    above_ = s.steps_above;
  }

 private:
  double margin_;
  std::int64_t patience_;
  double min_ = 0;
  bool seen_ = false;
  std::int64_t above_ = 0;  // consecutive steps above min + margin
};

}  // namespace depthscope
