#pragma once
// Per-layer metrics of a training forward (the paper's diagnostics during training): for
// every layer l, from its input x_l (resid_pre) and output x_{l+1} (resid_post), detached:
//   residual_variance      Var(x_{l+1}) over all elements (as the paper plots)
//   angular_distance_next  mean over tokens of arccos(cos(x_l, x_{l+1})) / pi
//   update_ratio           mean over tokens of ||x_{l+1} - x_l|| / ||x_l||
#include <cstdint>
#include <vector>

#include "core/model/probe.h"

namespace depthscope {

struct TrainingLayerMetrics {
  double residual_variance = 0;
  double angular_distance_next = 0;
  double update_ratio = 0;
};

class TrainingProbe : public LayerProbe {
 public:
  explicit TrainingProbe(std::int64_t layers) : metrics_(static_cast<std::size_t>(layers)), inputs_(metrics_.size()) {}
  bool wants(std::int64_t layer, ProbeSite site) const override;
  void record(std::int64_t layer, ProbeSite site, const at::Tensor& x) override;
  // metrics()[l-1] is layer l.
  const std::vector<TrainingLayerMetrics>& metrics() const { return metrics_; }

 private:
  std::vector<TrainingLayerMetrics> metrics_;
  std::vector<at::Tensor> inputs_;  // x_l until its layer's output arrives
};

}  // namespace depthscope
