#pragma once
// The arithmetic of the fused token-statistics kernel (token_stats.cu), written once for the
// GPU and the CPU (kernels/host_device.h): what one lane adds per element, how two lanes'
// partials merge, and the row's results. tests/core/kernels checks it on the CPU against the
// float64 formulas (core/analysis/formulas.h); the gpu tests check that the device gives the
// same bits as warp_token_stats below.
//
// Everything accumulates in float64: float32 sums of squares overflow to +Inf for
// |x| > 1.8e19, where the CPU reference (float64) stays finite -- the exploding-residual
// regime the statistics exist to show. The non-finite rules are formulas.cpp's:
//   mean      = sum x / d, a plain sum (+Inf with an +Inf element, NaN with +Inf and -Inf or a NaN);
//   variance  = NaN with a NaN element, else +Inf with an infinite element, else
//               sum (x - mean)^2 / d from Chan et al.'s merge of per-lane shifted sums
//               (accurate when |mean| >> std), never below 0;
//   sq_norm, dot, y_sq_norm: plain sums.
#include <cstdint>

#include "kernels/host_device.h"

namespace depthscope::kernels::math {

// One lane's running sums over its elements. Deviations are taken from a shift (the lane's
// first element), which keeps sum (x - shift)^2 - (sum (x - shift))^2 / n free of
// cancellation when the values sit far from 0.
struct LaneSums {
  double shift = 0, n = 0, sum = 0, dev = 0, dev_sq = 0, sq = 0, dot = 0, yy = 0;
};

DS_HOST_DEVICE void lane_add(LaneSums& t, float x) {
  const double xv = x, c = xv - t.shift;
  t.n += 1.0;
  t.sum += xv;
  t.dev += c;
  t.dev_sq = ds_fma(c, c, t.dev_sq);
  t.sq = ds_fma(xv, xv, t.sq);
}

DS_HOST_DEVICE void lane_add(LaneSums& t, float x, float y) {
  lane_add(t, x);
  const double xv = x, yv = y;
  t.dot = ds_fma(xv, yv, t.dot);
  t.yy = ds_fma(yv, yv, t.yy);
}

// Count, mean and sum of squared deviations (merged by Chan et al.'s formula) and the plain sums.
struct Partial {
  double n = 0, mean = 0, m2 = 0, sum = 0, sq = 0, dot = 0, yy = 0;
};

DS_HOST_DEVICE Partial lane_partial(const LaneSums& t) {
  Partial p;
  p.n = t.n;
  p.sum = t.sum;
  p.sq = t.sq;
  p.dot = t.dot;
  p.yy = t.yy;
  if (t.n > 0.0) {
    p.mean = t.shift + t.dev / t.n;
    const double m2 = t.dev_sq - t.dev * t.dev / t.n;
    // Rounding can leave a tiny negative number. A NaN (from an infinite or NaN element) becomes
    // 0 here too: such a row's variance is taken from sq instead (row_stats).
    p.m2 = m2 > 0.0 ? m2 : 0.0;
  }
  return p;
}

DS_HOST_DEVICE Partial merge(const Partial& a, const Partial& b) {
  Partial r;
  r.n = a.n + b.n;
  const double wb = r.n > 0.0 ? b.n / r.n : 0.0;
  const double delta = b.mean - a.mean;
  r.mean = a.mean + delta * wb;
  r.m2 = a.m2 + b.m2 + delta * delta * a.n * wb;
  r.sum = a.sum + b.sum;
  r.sq = a.sq + b.sq;
  r.dot = a.dot + b.dot;
  r.yy = a.yy + b.yy;
  return r;
}

// A row's statistics (token_stats.h's outputs) from the merged partial of its d elements.
struct RowStats {
  double mean = 0, variance = 0, sq_norm = 0, dot = 0, y_sq_norm = 0;
};

DS_HOST_DEVICE RowStats row_stats(const Partial& p, std::int64_t d) {
  RowStats r;
  const double n = static_cast<double>(d);
  r.mean = p.sum / n;
  // An element that is NaN or +/-Inf makes sq NaN or +Inf, and the variance is that (an
  // infinite element's deviation is infinite); float32 inputs cannot overflow the float64 sums.
  r.variance = ds_isfinite(p.sq) ? p.m2 / n : p.sq;
  r.sq_norm = p.sq;
  r.dot = p.dot;
  r.y_sq_norm = p.yy;
  return r;
}

constexpr int kWarpLanes = 32;

// Which lane reads element i of a row, and where its elements start: lanes read packs of
// `pack` consecutive elements (16 bytes: 4 floats or 8 halves; 1 when the row is not
// 16-byte aligned), lane l the packs l, l + 32, l + 64, ...
DS_HOST_DEVICE std::int64_t lane_first(int lane, int pack) { return static_cast<std::int64_t>(lane) * pack; }
DS_HOST_DEVICE std::int64_t lane_stride(int pack) { return static_cast<std::int64_t>(kWarpLanes) * pack; }

#if !defined(__CUDA_ARCH__)
// The kernel's whole computation for one row, on the host: each lane's sums over its
// elements in the kernel's order, then the warp's butterfly (every lane merges with lane
// xor 16, 8, 4, 2, 1; lane 0's result is written). x and y (y may be null) are the row's d
// elements as float32 (f16/bf16 widen exactly).
inline RowStats warp_token_stats(const float* x, const float* y, std::int64_t d, int pack) {
  Partial lanes[kWarpLanes];
  for (int lane = 0; lane < kWarpLanes; ++lane) {
    LaneSums t;
    const std::int64_t first = lane_first(lane, pack);
    if (first < d) t.shift = x[first];
    for (std::int64_t i = first; i < d; i += lane_stride(pack))
      for (int k = 0; k < pack && i + k < d; ++k) {
        if (y != nullptr) lane_add(t, x[i + k], y[i + k]);
        else lane_add(t, x[i + k]);
      }
    lanes[lane] = lane_partial(t);
  }
  for (int offset = kWarpLanes / 2; offset > 0; offset >>= 1) {
    Partial next[kWarpLanes];
    for (int lane = 0; lane < kWarpLanes; ++lane) next[lane] = merge(lanes[lane], lanes[lane ^ offset]);
    for (int lane = 0; lane < kWarpLanes; ++lane) lanes[lane] = next[lane];
  }
  return row_stats(lanes[0], d);
}
#endif

}  // namespace depthscope::kernels::math
