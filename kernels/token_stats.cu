#include "kernels/token_stats.h"

#include "kernels/device_common.cuh"

namespace depthscope::kernels {
namespace {

using namespace detail;

constexpr int kWarpsPerBlock = 8;  // one warp per row, 8 rows per block of 256 threads

// One thread's (then one warp's) statistics: count, mean and sum of squared deviations
// (merged with Chan et al.'s formula), sum of squares, dot product with y, y's sum of squares.
struct Partial {
  float n = 0.f, mean = 0.f, m2 = 0.f, sq = 0.f, dot = 0.f, yy = 0.f;
};

__device__ __forceinline__ Partial merge(const Partial& a, const Partial& b) {
  Partial r;
  r.n = a.n + b.n;
  const float wb = r.n > 0.f ? b.n / r.n : 0.f;
  const float delta = b.mean - a.mean;
  r.mean = a.mean + delta * wb;
  r.m2 = a.m2 + b.m2 + delta * delta * a.n * wb;
  r.sq = a.sq + b.sq;
  r.dot = a.dot + b.dot;
  r.yy = a.yy + b.yy;
  return r;
}

__device__ __forceinline__ Partial shfl_xor(const Partial& p, int offset) {
  Partial o;
  o.n = __shfl_xor_sync(0xffffffffu, p.n, offset);
  o.mean = __shfl_xor_sync(0xffffffffu, p.mean, offset);
  o.m2 = __shfl_xor_sync(0xffffffffu, p.m2, offset);
  o.sq = __shfl_xor_sync(0xffffffffu, p.sq, offset);
  o.dot = __shfl_xor_sync(0xffffffffu, p.dot, offset);
  o.yy = __shfl_xor_sync(0xffffffffu, p.yy, offset);
  return o;
}

// A thread's running sums. Deviations are summed from a shift (the thread's first element),
// which keeps sum (x - shift)^2 - (sum (x - shift))^2 / n free of cancellation when the
// values sit far from 0.
struct ThreadSums {
  float shift = 0.f, n = 0.f, s1 = 0.f, s2 = 0.f, sq = 0.f, dot = 0.f, yy = 0.f;
  __device__ __forceinline__ void add(float xv) {
    const float c = xv - shift;
    n += 1.f;
    s1 += c;
    s2 = fmaf(c, c, s2);
    sq = fmaf(xv, xv, sq);
  }
  __device__ __forceinline__ void add(float xv, float yv) {
    add(xv);
    dot = fmaf(xv, yv, dot);
    yy = fmaf(yv, yv, yy);
  }
  __device__ __forceinline__ Partial partial() const {
    Partial p;
    p.n = n;
    p.sq = sq;
    p.dot = dot;
    p.yy = yy;
    if (n > 0.f) {
      p.mean = shift + s1 / n;
      p.m2 = fmaxf(s2 - s1 * s1 / n, 0.f);
    }
    return p;
  }
};

template <class T, bool kPacked, bool kWithY>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    token_stats_kernel(const T* __restrict__ x, const T* __restrict__ y, long long rows, long long d,
                       TokenStatsOutput out) {
  const int lane = threadIdx.x & 31;
  const long long row = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5);
  if (row >= rows) return;  // the whole warp leaves together
  const T* xr = x + row * d;  // [d]
  const T* yr = kWithY ? y + row * d : nullptr;

  ThreadSums t;
  if (kPacked) {
    constexpr int N = Pack<T>::kSize;
    const long long first = static_cast<long long>(lane) * N;
    if (first < d) t.shift = to_float(xr[first]);
    for (long long i = first; i < d; i += 32LL * N) {
      const Pack<T> px = load_pack(xr + i);
      if (kWithY) {
        const Pack<T> py = load_pack(yr + i);
#pragma unroll
        for (int k = 0; k < N; ++k) t.add(to_float(px.v[k]), to_float(py.v[k]));
      } else {
#pragma unroll
        for (int k = 0; k < N; ++k) t.add(to_float(px.v[k]));
      }
    }
  } else {
    if (lane < d) t.shift = to_float(xr[lane]);
    for (long long i = lane; i < d; i += 32) {
      if (kWithY) t.add(to_float(xr[i]), to_float(yr[i]));
      else t.add(to_float(xr[i]));
    }
  }

  Partial p = t.partial();
  for (int offset = 16; offset > 0; offset >>= 1) p = merge(p, shfl_xor(p, offset));
  if (lane != 0) return;
  float variance = p.m2 / static_cast<float>(d);
  if (!isfinite(p.sq)) variance = p.sq;  // NaN stays NaN; an infinite element gives +Inf
  if (out.mean) out.mean[row] = p.mean;
  if (out.variance) out.variance[row] = variance;
  if (out.sq_norm) out.sq_norm[row] = p.sq;
  if (kWithY) {
    if (out.dot) out.dot[row] = p.dot;
    if (out.y_sq_norm) out.y_sq_norm[row] = p.yy;
  }
}

template <class T, bool kPacked>
void launch(const T* x, const T* y, long long rows, long long d, const TokenStatsOutput& out,
            cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  if (y != nullptr)
    token_stats_kernel<T, kPacked, true><<<blocks, kWarpsPerBlock * 32, 0, stream>>>(x, y, rows, d, out);
  else
    token_stats_kernel<T, kPacked, false><<<blocks, kWarpsPerBlock * 32, 0, stream>>>(x, y, rows, d, out);
}

}  // namespace

std::string token_stats_device(ElementType type, const void* x, const void* y, std::int64_t rows,
                               std::int64_t d, const TokenStatsOutput& out, int device, void* stream) {
  if (rows <= 0 || d <= 0) return "token_stats: rows and d must be positive";
  if ((rows + kWarpsPerBlock - 1) / kWarpsPerBlock > 2147483647LL) return "token_stats: too many rows for one launch";
  DeviceScope scope(device);
  if (!scope.error().empty()) return scope.error();
  const auto s = static_cast<cudaStream_t>(stream);
  with_element_type(type, [&](auto zero) {
    using T = decltype(zero);
    const T* xt = static_cast<const T*>(x);
    const T* yt = static_cast<const T*>(y);
    if (packable<T>(d, x, y)) launch<T, true>(xt, yt, rows, d, out, s);
    else launch<T, false>(xt, yt, rows, d, out, s);
    return 0;
  });
  return error_text(cudaGetLastError());
}

}  // namespace depthscope::kernels
