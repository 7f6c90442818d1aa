#include "core/analysis/residual_stats_probe.h"

#include <ATen/ATen.h>

#include "core/analysis/fused_formulas.h"

namespace depthscope {

namespace {
// Reads one layer's sums: what formulas::element_moments gives.
formulas::Moments read(const formulas::MomentSums& m) {
  if (m.count == 0 || !m.parts.defined()) return m.moments(nullptr);
  const at::Tensor host = m.parts.to(at::kCPU, at::kDouble).contiguous();  // [3]
  return m.moments(host.data_ptr<double>());
}
}  // namespace

bool ResidualStatsProbe::wants(std::int64_t layer, ProbeSite site) const {
  return layer >= 1 && layer <= static_cast<std::int64_t>(input_.size()) &&
         (site == ProbeSite::resid_pre || site == ProbeSite::resid_post);
}

void ResidualStatsProbe::record(std::int64_t layer, ProbeSite site, const at::Tensor& x) {
  // Over all elements (one kernel pass on CUDA), kept on x's device.
  Site& at_site = (site == ProbeSite::resid_pre ? input_ : output_)[static_cast<size_t>(layer - 1)];
  at_site.sums = fused::element_moment_sums(x.detach());
  at_site.recorded = true;
}

std::vector<ResidualStats> ResidualStatsProbe::stats() const {
  std::vector<ResidualStats> out(input_.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (input_[i].recorded) {
      const formulas::Moments in = read(input_[i].sums);
      out[i].input_variance = in.variance();
      out[i].input_rms = in.rms();
    }
    if (output_[i].recorded) {
      const formulas::Moments o = read(output_[i].sums);
      out[i].output_variance = o.variance();
      out[i].output_rms = o.rms();
    }
  }
  return out;
}

}  // namespace depthscope
