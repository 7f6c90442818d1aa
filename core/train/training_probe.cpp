#include "core/train/training_probe.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "core/analysis/formulas.h"

namespace depthscope {

bool TrainingProbe::wants(std::int64_t layer, ProbeSite site) const {
  return layer >= 1 && layer <= static_cast<std::int64_t>(metrics_.size()) &&
         (site == ProbeSite::resid_pre || site == ProbeSite::resid_post);
}

void TrainingProbe::record(std::int64_t layer, ProbeSite site, const at::Tensor& x) {
  const std::size_t i = static_cast<std::size_t>(layer - 1);
  if (site == ProbeSite::resid_pre) {
    inputs_[i] = x.detach();
    return;
  }
  at::NoGradGuard no_grad;
  const at::Tensor y = x.detach();  // x_{l+1} [B, T, d]
  TrainingLayerMetrics& m = metrics_[i];
  m.residual_variance = formulas::element_moments(y).variance();
  if (inputs_[i].defined()) {
    m.angular_distance_next = formulas::angular_distance(inputs_[i], y).mean().item<double>();
    m.update_ratio = formulas::update_ratio(y - inputs_[i], inputs_[i]).mean().item<double>();
    inputs_[i] = at::Tensor();
  }
}

}  // namespace depthscope
