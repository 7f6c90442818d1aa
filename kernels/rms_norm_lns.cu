#include "kernels/rms_norm_lns.h"

#include <algorithm>

#include "kernels/device_common.cuh"
#include "kernels/rms_norm_lns_math.h"

namespace depthscope::kernels {
namespace {

using namespace detail;

// The arithmetic is rms_norm_lns_math.h's, replayed on the host by its *_row and dw functions.
constexpr int kWarpsPerBlock = 8;                     // row kernels: one warp per row, 8 rows per block
constexpr int kColumnThreads = 32;                    // dw: columns per block
constexpr int kRowThreads = math::kDwRowThreads;      // dw: rows read at once per block

// Calls f(i, k) for the elements of one row a warp lane owns: packs of N elements when
// kPacked (i = pack start, k = 0..N-1), single elements otherwise.
template <class T, bool kPacked, class F>
__device__ __forceinline__ void for_lane_packs(int lane, long long d, F&& f) {
  constexpr long long N = kPacked ? Pack<T>::kSize : 1;
  for (long long i = lane * N; i < d; i += 32 * N) f(i);
}

// y = x * r * w * s per row, r = 1 / sqrt(mean(x^2) + eps).
template <class T, bool kPacked>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    rms_forward_kernel(const T* __restrict__ x, const T* __restrict__ w, long long rows, long long d, float eps,
                       float s, T* __restrict__ y, float* __restrict__ inv_rms) {
  const int lane = threadIdx.x & 31;
  const long long row = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5);
  if (row >= rows) return;
  const T* xr = x + row * d;  // [d]
  T* yr = y + row * d;        // [d]

  float ss = 0.f;  // sum x^2
  for_lane_packs<T, kPacked>(lane, d, [&](long long i) {
    if (kPacked) {
      const Pack<T> px = load_pack(xr + i);
#pragma unroll
      for (int k = 0; k < Pack<T>::kSize; ++k) ss = math::rms_sum_sq_add(ss, to_float(px.v[k]));
    } else {
      ss = math::rms_sum_sq_add(ss, to_float(xr[i]));
    }
  });
  const float r = math::rms_inv(warp_sum(ss), d, eps);
  if (lane == 0 && inv_rms != nullptr) inv_rms[row] = r;

  for_lane_packs<T, kPacked>(lane, d, [&](long long i) {
    if (kPacked) {
      const Pack<T> px = load_pack(xr + i), pw = load_pack(w + i);
      Pack<T> py;
#pragma unroll
      for (int k = 0; k < Pack<T>::kSize; ++k)
        py.v[k] = from_float<T>(math::rms_forward_element(to_float(px.v[k]), r, to_float(pw.v[k]), s));
      store_pack(yr + i, py);
    } else {
      yr[i] = from_float<T>(math::rms_forward_element(to_float(xr[i]), r, to_float(w[i]), s));
    }
  });
}

// dx = s r (g w - x r^2 mean(g w x)) per row.
template <class T, bool kPacked>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    rms_backward_dx_kernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ w,
                           const float* __restrict__ inv_rms, long long rows, long long d, float s,
                           T* __restrict__ dx) {
  const int lane = threadIdx.x & 31;
  const long long row = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5);
  if (row >= rows) return;
  const T* gr = g + row * d;  // [d]
  const T* xr = x + row * d;  // [d]
  T* dxr = dx + row * d;      // [d]

  float gwx = 0.f;  // sum g w x
  for_lane_packs<T, kPacked>(lane, d, [&](long long i) {
    if (kPacked) {
      const Pack<T> pg = load_pack(gr + i), px = load_pack(xr + i), pw = load_pack(w + i);
#pragma unroll
      for (int k = 0; k < Pack<T>::kSize; ++k)
        gwx = math::rms_gwx_add(gwx, to_float(pg.v[k]), to_float(pw.v[k]), to_float(px.v[k]));
    } else {
      gwx = math::rms_gwx_add(gwx, to_float(gr[i]), to_float(w[i]), to_float(xr[i]));
    }
  });
  const float r = inv_rms[row];
  const float c = math::rms_backward_c(r, warp_sum(gwx), d);  // r^2 mean(g w x)
  const float sr = s * r;

  for_lane_packs<T, kPacked>(lane, d, [&](long long i) {
    if (kPacked) {
      const Pack<T> pg = load_pack(gr + i), px = load_pack(xr + i), pw = load_pack(w + i);
      Pack<T> pdx;
#pragma unroll
      for (int k = 0; k < Pack<T>::kSize; ++k)
        pdx.v[k] = from_float<T>(math::rms_dx_element(to_float(pg.v[k]), to_float(pw.v[k]), to_float(px.v[k]), sr, c));
      store_pack(dxr + i, pdx);
    } else {
      dxr[i] = from_float<T>(math::rms_dx_element(to_float(gr[i]), to_float(w[i]), to_float(xr[i]), sr, c));
    }
  });
}

// partial[chunk, j] = sum over the chunk's rows of g x r (column j). Deterministic: a fixed
// order of sums, no atomics.
template <class T>
__global__ void __launch_bounds__(kColumnThreads * kRowThreads)
    rms_backward_dw_partial_kernel(const T* __restrict__ g, const T* __restrict__ x,
                                   const float* __restrict__ inv_rms, long long rows, long long d,
                                   long long rows_per_chunk, float* __restrict__ partial) {
  __shared__ float sums[kRowThreads][kColumnThreads + 1];
  const long long j = static_cast<long long>(blockIdx.x) * kColumnThreads + threadIdx.x;
  const long long r0 = static_cast<long long>(blockIdx.y) * rows_per_chunk;
  const long long r1 = min(rows, r0 + rows_per_chunk);
  float acc = 0.f;
  if (j < d)
    for (long long i = r0 + threadIdx.y; i < r1; i += kRowThreads)
      acc = math::rms_dw_add(acc, to_float(g[i * d + j]), to_float(x[i * d + j]), inv_rms[i]);
  sums[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y != 0 || j >= d) return;
  float total = 0.f;
#pragma unroll
  for (int k = 0; k < kRowThreads; ++k) total += sums[k][threadIdx.x];
  partial[static_cast<long long>(blockIdx.y) * d + j] = total;
}

// dw[j] = s * sum over chunks of partial[chunk, j], compensated (Kahan): a long run of rows
// adds thousands of partials to one float32.
template <class T>
__global__ void rms_backward_dw_final_kernel(const float* __restrict__ partial, long long n_chunks, long long d,
                                             float s, T* __restrict__ dw) {
  const long long j = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= d) return;
  math::KahanSum sum;
  for (long long c = 0; c < n_chunks; ++c) sum.add(partial[c * d + j]);
  dw[j] = from_float<T>(s * sum.total);
}

unsigned row_blocks(long long rows) { return static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock); }

std::string check_shape(const char* what, long long rows, long long d) {
  if (rows <= 0 || d <= 0) return std::string(what) + ": rows and d must be positive";
  if ((rows + kWarpsPerBlock - 1) / kWarpsPerBlock > 2147483647LL) return std::string(what) + ": too many rows for one launch";
  return "";
}

}  // namespace

std::string rms_norm_lns_forward_device(ElementType type, const void* x, const void* w, std::int64_t rows,
                                        std::int64_t d, float eps, float s, void* y, float* inv_rms,
                                        int device, void* stream) {
  std::string err = check_shape("rms_norm_lns forward", rows, d);
  if (!err.empty()) return err;
  DeviceScope scope(device);
  if (!scope.error().empty()) return scope.error();
  const auto st = static_cast<cudaStream_t>(stream);
  with_element_type(type, [&](auto zero) {
    using T = decltype(zero);
    const T* xt = static_cast<const T*>(x);
    const T* wt = static_cast<const T*>(w);
    T* yt = static_cast<T*>(y);
    if (packable<T>(d, x, w, y))
      rms_forward_kernel<T, true><<<row_blocks(rows), kWarpsPerBlock * 32, 0, st>>>(xt, wt, rows, d, eps, s, yt, inv_rms);
    else
      rms_forward_kernel<T, false><<<row_blocks(rows), kWarpsPerBlock * 32, 0, st>>>(xt, wt, rows, d, eps, s, yt, inv_rms);
    return 0;
  });
  return error_text(cudaGetLastError());
}

std::int64_t rms_norm_lns_backward_workspace_floats(std::int64_t rows, std::int64_t d) {
  return rows > 0 && d > 0 ? math::rms_dw_chunks(rows) * d : 0;
}

std::string rms_norm_lns_backward_device(ElementType type, const void* g, const void* x, const void* w,
                                         const float* inv_rms, std::int64_t rows, std::int64_t d, float s,
                                         void* dx, void* dw, float* workspace, int device, void* stream) {
  std::string err = check_shape("rms_norm_lns backward", rows, d);
  if (!err.empty()) return err;
  DeviceScope scope(device);
  if (!scope.error().empty()) return scope.error();
  const auto st = static_cast<cudaStream_t>(stream);
  with_element_type(type, [&](auto zero) {
    using T = decltype(zero);
    const T* gt = static_cast<const T*>(g);
    const T* xt = static_cast<const T*>(x);
    const T* wt = static_cast<const T*>(w);
    if (dx != nullptr) {
      T* dxt = static_cast<T*>(dx);
      if (packable<T>(d, g, x, w) && packable<T>(d, dx))
        rms_backward_dx_kernel<T, true><<<row_blocks(rows), kWarpsPerBlock * 32, 0, st>>>(gt, xt, wt, inv_rms, rows, d, s, dxt);
      else
        rms_backward_dx_kernel<T, false><<<row_blocks(rows), kWarpsPerBlock * 32, 0, st>>>(gt, xt, wt, inv_rms, rows, d, s, dxt);
    }
    if (dw != nullptr) {
      const long long n_chunks = math::rms_dw_chunks(rows);
      const dim3 grid(static_cast<unsigned>((d + kColumnThreads - 1) / kColumnThreads), static_cast<unsigned>(n_chunks));
      rms_backward_dw_partial_kernel<T><<<grid, dim3(kColumnThreads, kRowThreads), 0, st>>>(
          gt, xt, inv_rms, rows, d, math::rms_dw_chunk_rows(rows), workspace);
      rms_backward_dw_final_kernel<T><<<static_cast<unsigned>((d + 255) / 256), 256, 0, st>>>(
          workspace, n_chunks, d, s, static_cast<T*>(dw));
    }
    return 0;
  });
  return error_text(cudaGetLastError());
}

}  // namespace depthscope::kernels
