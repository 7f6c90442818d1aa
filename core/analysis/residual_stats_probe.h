#pragma once
// ResidualStatsProbe: the simplest LayerProbe — variance and RMS of the residual stream at each
// block's input (resid_pre) and output (resid_post), through formulas::element_moments (the fused
// statistics kernel for CUDA tensors, core/analysis/fused_formulas.h). The forward only queues
// the sums on the activations' device (no host sync); stats() reads them.
#include <cstdint>
#include <vector>

#include "core/analysis/formulas.h"
#include "core/model/probe.h"

namespace depthscope {

struct ResidualStats {
  double input_variance = 0;   // variance over all elements of x_l
  double output_variance = 0;  // variance over all elements of x_{l+1}
  double input_rms = 0;
  double output_rms = 0;
};

class ResidualStatsProbe : public LayerProbe {
 public:
  explicit ResidualStatsProbe(std::int64_t layers)
      : input_(static_cast<size_t>(layers)), output_(static_cast<size_t>(layers)) {}
  bool wants(std::int64_t layer, ProbeSite site) const override;
  void record(std::int64_t layer, ProbeSite site, const at::Tensor& x) override;
  // stats()[l-1] holds layer l (the last forward's); reads the sums (one sync each).
  std::vector<ResidualStats> stats() const;

 private:
  struct Site {
    bool recorded = false;  // not recorded: its ResidualStats fields stay 0
    formulas::MomentSums sums;
  };
  std::vector<Site> input_, output_;  // of x_l and x_{l+1}, per layer
};

}  // namespace depthscope
