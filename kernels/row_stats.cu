#include "kernels/row_stats.h"

#include <cuda_runtime.h>

namespace depthscope::kernels {
namespace {

constexpr int kThreads = 256;

// Block-wide sum in shared memory; every thread gets the total.
__device__ float block_sum(float v, float* shared) {
  const int tid = threadIdx.x;
  shared[tid] = v;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (tid < stride) shared[tid] += shared[tid + stride];
    __syncthreads();
  }
  const float total = shared[0];
  __syncthreads();
  return total;
}

// One block per row. Two passes over the row (mean, then squared deviations) keep the
// variance accurate when |mean| >> std, as the residual stream of deep models can be.
__global__ void row_mean_var_kernel(const float* __restrict__ x, long long d,
                                    float* __restrict__ mean, float* __restrict__ var) {
  __shared__ float shared[kThreads];
  const float* row = x + static_cast<long long>(blockIdx.x) * d;

  float sum = 0.f;
  for (long long i = threadIdx.x; i < d; i += blockDim.x) sum += row[i];
  const float mu = block_sum(sum, shared) / static_cast<float>(d);

  float sq = 0.f;
  for (long long i = threadIdx.x; i < d; i += blockDim.x) {
    const float diff = row[i] - mu;
    sq += diff * diff;
  }
  const float sigma2 = block_sum(sq, shared) / static_cast<float>(d);

  if (threadIdx.x == 0) {
    mean[blockIdx.x] = mu;
    var[blockIdx.x] = sigma2;
  }
}

std::string error_text(cudaError_t err) { return err == cudaSuccess ? "" : cudaGetErrorString(err); }

}  // namespace

std::string row_mean_var_device(const float* x, std::int64_t rows, std::int64_t d, float* mean,
                                float* var, void* stream) {
  if (rows <= 0 || d <= 0) return "row_mean_var: rows and d must be positive";
  if (rows > 2147483647LL) return "row_mean_var: too many rows for one launch";
  row_mean_var_kernel<<<static_cast<unsigned>(rows), kThreads, 0,
                        static_cast<cudaStream_t>(stream)>>>(x, d, mean, var);
  return error_text(cudaGetLastError());
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
