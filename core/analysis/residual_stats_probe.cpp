#include "core/analysis/residual_stats_probe.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/analysis/fused_formulas.h"

namespace depthscope {

bool ResidualStatsProbe::wants(std::int64_t layer, ProbeSite site) const {
  return layer >= 1 && layer <= static_cast<std::int64_t>(stats_.size()) &&
         (site == ProbeSite::resid_pre || site == ProbeSite::resid_post);
}

void ResidualStatsProbe::record(std::int64_t layer, ProbeSite site, const at::Tensor& x) {
  const formulas::Moments m = fused::element_moments(x.detach());  // over all elements (one kernel pass on CUDA)
  const double variance = m.variance();
  const double rms = m.rms();
  ResidualStats& s = stats_[static_cast<size_t>(layer - 1)];
  if (site == ProbeSite::resid_pre) {
    s.input_variance = variance;
    s.input_rms = rms;
  } else {
    s.output_variance = variance;
    s.output_rms = rms;
  }
}

}  // namespace depthscope
