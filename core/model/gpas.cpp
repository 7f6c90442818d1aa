#include "core/model/gpas.h"

#include <ATen/ATen.h>

namespace depthscope {

at::Tensor gpas(const at::Tensor& x, const at::Tensor& gate) {
  return x - at::silu(gate) * x.detach();  // [..., d] - [1] * [..., d]
}

void gpas_rows(float* x, std::int64_t n, std::int64_t d, std::int64_t ld, float silu_g) {
  for (std::int64_t r = 0; r < n; ++r) {
    float* xr = x + r * ld;
    for (std::int64_t j = 0; j < d; ++j) xr[j] -= silu_g * xr[j];
  }
}

float gpas_factor(const at::Tensor& gate) { return at::silu(gate.to(at::kFloat).cpu()).item<float>(); }

}  // namespace depthscope
