#include "core/model/dyt.h"

#include <ATen/ATen.h>

#include <cmath>

namespace depthscope {

at::Tensor dyt(const at::Tensor& x, const at::Tensor& w, const at::Tensor& alpha) {
  return at::tanh(x * alpha) * w;  // [..., d] * [1] -> [..., d] * [d]
}

void dyt_rows(const float* x, float* out, std::int64_t n, std::int64_t d, std::int64_t ld, const float* w,
              float alpha) {
  for (std::int64_t r = 0; r < n; ++r) {
    const float* xr = x + r * ld;
    float* o = out + r * ld;
    for (std::int64_t j = 0; j < d; ++j) o[j] = std::tanh(xr[j] * alpha) * w[j];
  }
}

}  // namespace depthscope
