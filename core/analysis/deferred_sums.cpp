#include "core/analysis/deferred_sums.h"

#include <ATen/ATen.h>

#include <limits>

namespace depthscope {

void TokenMean::add(const at::Tensor& per_token) {
  const at::Tensor s = per_token.sum().to(at::kDouble);          // []
  sum = (sum.defined() ? sum : at::zeros({}, s.options())) + s;  // 0 + s first, as on the host
  count += static_cast<double>(per_token.numel());
}

double TokenMean::mean() const {
  return count > 0 ? sum.item<double>() / count : std::numeric_limits<double>::quiet_NaN();
}

formulas::Moments DeferredMoments::merged() const {
  std::vector<at::Tensor> stored;  // the parts' [3] sums, in order
  for (const formulas::MomentSums& p : parts)
    if (p.count != 0) stored.push_back(p.parts);
  formulas::Moments m;
  if (stored.empty()) return m;
  const at::Tensor read = at::stack(stored).to(at::kCPU, at::kDouble).contiguous();  // [n, 3]
  const double* row = read.data_ptr<double>();
  for (const formulas::MomentSums& p : parts) {
    if (p.count == 0) continue;  // merging empty moments changes nothing
    m.merge(p.moments(row));
    row += 3;
  }
  return m;
}

}  // namespace depthscope
