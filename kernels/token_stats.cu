#include "kernels/token_stats.h"

#include "kernels/device_common.cuh"
#include "kernels/token_stats_math.h"

namespace depthscope::kernels {
namespace {

using namespace detail;

constexpr int kWarpsPerBlock = 8;  // one warp per row, 8 rows per block of 256 threads

using math::LaneSums;
using math::Partial;

__device__ __forceinline__ Partial shfl_xor(const Partial& p, int offset) {
  Partial o;
  o.n = __shfl_xor_sync(0xffffffffu, p.n, offset);
  o.mean = __shfl_xor_sync(0xffffffffu, p.mean, offset);
  o.m2 = __shfl_xor_sync(0xffffffffu, p.m2, offset);
  o.sum = __shfl_xor_sync(0xffffffffu, p.sum, offset);
  o.sq = __shfl_xor_sync(0xffffffffu, p.sq, offset);
  o.dot = __shfl_xor_sync(0xffffffffu, p.dot, offset);
  o.yy = __shfl_xor_sync(0xffffffffu, p.yy, offset);
  return o;
}

// One warp per row; lane l reads the packs l, l + 32, ... (token_stats_math.h's lane_first and
// lane_stride), adds each element with lane_add, and the warp merges the lanes' partials by
// the butterfly that math::warp_token_stats replays on the host.
template <class T, bool kPacked, bool kWithY>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    token_stats_kernel(const T* __restrict__ x, const T* __restrict__ y, long long rows, long long d,
                       TokenStatsOutput out) {
  constexpr int N = kPacked ? Pack<T>::kSize : 1;
  const int lane = threadIdx.x & 31;
  const long long row = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5);
  if (row >= rows) return;  // the whole warp leaves together
  const T* xr = x + row * d;  // [d]
  const T* yr = kWithY ? y + row * d : nullptr;

  LaneSums t;
  const long long first = math::lane_first(lane, N);
  if (first < d) t.shift = to_float(xr[first]);
  for (long long i = first; i < d; i += math::lane_stride(N)) {
    if (kPacked) {
      const Pack<T> px = load_pack(xr + i);
      if (kWithY) {
        const Pack<T> py = load_pack(yr + i);
#pragma unroll
        for (int k = 0; k < N; ++k) math::lane_add(t, to_float(px.v[k]), to_float(py.v[k]));
      } else {
#pragma unroll
        for (int k = 0; k < N; ++k) math::lane_add(t, to_float(px.v[k]));
      }
    } else {
      if (kWithY) math::lane_add(t, to_float(xr[i]), to_float(yr[i]));
      else math::lane_add(t, to_float(xr[i]));
    }
  }

  Partial p = math::lane_partial(t);
  for (int offset = 16; offset > 0; offset >>= 1) p = math::merge(p, shfl_xor(p, offset));
  if (lane != 0) return;
  const math::RowStats r = math::row_stats(p, d);
  if (out.mean) out.mean[row] = r.mean;
  if (out.variance) out.variance[row] = r.variance;
  if (out.sq_norm) out.sq_norm[row] = r.sq_norm;
  if (kWithY) {
    if (out.dot) out.dot[row] = r.dot;
    if (out.y_sq_norm) out.y_sq_norm[row] = r.y_sq_norm;
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
