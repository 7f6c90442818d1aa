#include "kernels/row_stats.h"

#include "kernels/token_stats.h"

#include <cuda_runtime.h>

namespace depthscope::kernels {
namespace {

std::string error_text(cudaError_t err) { return err == cudaSuccess ? "" : cudaGetErrorString(err); }

}  // namespace

// The mean and variance outputs of the fused token-statistics kernel (token_stats.cu), on the
// current device.
std::string row_mean_var_device(const float* x, std::int64_t rows, std::int64_t d, float* mean,
                                float* var, void* stream) {
  if (rows <= 0 || d <= 0) return "row_mean_var: rows and d must be positive";
  int device = 0;
  const std::string err = error_text(cudaGetDevice(&device));
  if (!err.empty()) return err;
  TokenStatsOutput out;
  out.mean = mean;
  out.variance = var;
  return token_stats_device(ElementType::f32, x, nullptr, rows, d, out, device, stream);
}

std::string row_mean_var_host(const float* x, std::int64_t rows, std::int64_t d, float* mean,
                              float* var) {
  float *dx = nullptr, *dmean = nullptr, *dvar = nullptr;
  const size_t in_bytes = static_cast<size_t>(rows) * static_cast<size_t>(d) * sizeof(float);
  const size_t out_bytes = static_cast<size_t>(rows) * sizeof(float);
  std::string err;
  auto check = [&](cudaError_t e) {
    if (err.empty() && e != cudaSuccess) err = cudaGetErrorString(e);
    return err.empty();
  };
  if (check(cudaMalloc(&dx, in_bytes)) && check(cudaMalloc(&dmean, out_bytes)) &&
      check(cudaMalloc(&dvar, out_bytes)) &&
      check(cudaMemcpy(dx, x, in_bytes, cudaMemcpyHostToDevice))) {
    err = row_mean_var_device(dx, rows, d, dmean, dvar, nullptr);
    if (err.empty() && check(cudaDeviceSynchronize())) {
      check(cudaMemcpy(mean, dmean, out_bytes, cudaMemcpyDeviceToHost));
      check(cudaMemcpy(var, dvar, out_bytes, cudaMemcpyDeviceToHost));
    }
  }
  cudaFree(dx);
  cudaFree(dmean);
  cudaFree(dvar);
  return err;
}

}  // namespace depthscope::kernels
