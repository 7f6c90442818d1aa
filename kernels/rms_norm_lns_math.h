#pragma once
// The arithmetic of the fused RMSNorm x weight x LNS scale kernels (rms_norm_lns.cu), written
// once for the GPU and the CPU (kernels/host_device.h); the formulas are rms_norm_lns.h's.
// Everything is float32, as the CPU reference for float32 inputs (core/model/rms_norm_lns.h).
// tests/core/kernels checks it on the CPU against float64; the gpu tests check that the
// device gives the same bits as the *_row / dw functions below.
#include <algorithm>
#include <cstdint>

#include "kernels/host_device.h"

namespace depthscope::kernels::math {

// Forward, per row: ss = sum x^2 (a lane's elements in order, then the warp's sum),
// r = 1 / sqrt(ss / d + eps) (IEEE division and square root: no rsqrtf), y = x r w s.
DS_HOST_DEVICE float rms_sum_sq_add(float ss, float x) { return ds_fma(x, x, ss); }
DS_HOST_DEVICE float rms_inv(float ss, std::int64_t d, float eps) {
  return 1.0f / ds_sqrt(ss / static_cast<float>(d) + eps);
}
DS_HOST_DEVICE float rms_forward_element(float x, float r, float w, float s) { return x * r * w * s; }

// Backward dx, per row: gwx = sum g w x, c = r^2 gwx / d, dx = s r (g w - x c).
DS_HOST_DEVICE float rms_gwx_add(float gwx, float g, float w, float x) { return ds_fma(g * w, x, gwx); }
DS_HOST_DEVICE float rms_backward_c(float r, float gwx, std::int64_t d) { return r * r * gwx / static_cast<float>(d); }
DS_HOST_DEVICE float rms_dx_element(float g, float w, float x, float sr, float c) { return sr * (g * w - x * c); }

// Backward dw[j] = s sum_rows g x r: rows in chunks (a float32 partial per chunk and column,
// itself the sum of kDwRowThreads interleaved running sums), the chunks' partials added with
// Kahan's compensation (a long run adds thousands of them to one float32).
constexpr std::int64_t kDwChunkRows = 256;  // rows per partial, at least
constexpr int kDwRowThreads = 8;            // interleaved running sums per partial
DS_HOST_DEVICE float rms_dw_add(float acc, float g, float x, float r) { return ds_fma(g * x, r, acc); }
// Rows per chunk: 256, more when there would be over 65535 chunks (a CUDA grid's y limit).
inline std::int64_t rms_dw_chunk_rows(std::int64_t rows) {
  return std::max<std::int64_t>(kDwChunkRows, (rows + 65534) / 65535);
}
inline std::int64_t rms_dw_chunks(std::int64_t rows) {
  return (rows + rms_dw_chunk_rows(rows) - 1) / rms_dw_chunk_rows(rows);
}
struct KahanSum {
  float total = 0.f, lost = 0.f;
  DS_HOST_DEVICE void add(float value) {
    const float v = value - lost;
    const float t = total + v;
    lost = (t - total) - v;
    total = t;
  }
};

#if !defined(__CUDA_ARCH__)
// The kernels' whole computations on the host, in their order: lane l of a row's warp reads
// the packs l, l + 32, ... of `pack` elements (1 when the row is not 16-byte aligned) and the
// warp adds the lanes' sums by the butterfly (lane xor 16, 8, 4, 2, 1).
template <class AddElement>
float warp_row_sum(std::int64_t d, int pack, AddElement add) {
  float lanes[32];
  for (int lane = 0; lane < 32; ++lane) {
    float acc = 0.f;
    for (std::int64_t i = static_cast<std::int64_t>(lane) * pack; i < d; i += 32LL * pack)
      for (int k = 0; k < pack && i + k < d; ++k) acc = add(acc, i + k);
    lanes[lane] = acc;
  }
  for (int offset = 16; offset > 0; offset >>= 1) {
    float next[32];
    for (int lane = 0; lane < 32; ++lane) next[lane] = lanes[lane] + lanes[lane ^ offset];
    for (int lane = 0; lane < 32; ++lane) lanes[lane] = next[lane];
  }
  return lanes[0];
}

// One row: x, w [d] -> y [d]; returns r.
inline float rms_forward_row(const float* x, const float* w, std::int64_t d, float eps, float s, int pack, float* y) {
  const float ss = warp_row_sum(d, pack, [&](float acc, std::int64_t i) { return rms_sum_sq_add(acc, x[i]); });
  const float r = rms_inv(ss, d, eps);
  for (std::int64_t i = 0; i < d; ++i) y[i] = rms_forward_element(x[i], r, w[i], s);
  return r;
}

// One row: g, x, w [d] and its r -> dx [d].
inline void rms_backward_dx_row(const float* g, const float* x, const float* w, float r, std::int64_t d, float s,
                                int pack, float* dx) {
  const float gwx = warp_row_sum(d, pack, [&](float acc, std::int64_t i) { return rms_gwx_add(acc, g[i], w[i], x[i]); });
  const float c = rms_backward_c(r, gwx, d), sr = s * r;
  for (std::int64_t i = 0; i < d; ++i) dx[i] = rms_dx_element(g[i], w[i], x[i], sr, c);
}

// All rows: g, x [rows, d], r [rows] -> dw [d].
inline void rms_backward_dw(const float* g, const float* x, const float* r, std::int64_t rows, std::int64_t d, float s,
                            float* dw) {
  const std::int64_t per_chunk = rms_dw_chunk_rows(rows), chunks = rms_dw_chunks(rows);
  for (std::int64_t j = 0; j < d; ++j) {
    KahanSum sum;
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int64_t r0 = c * per_chunk, r1 = std::min(rows, r0 + per_chunk);
      float partial = 0.f;
      for (int t = 0; t < kDwRowThreads; ++t) {
        float acc = 0.f;
        for (std::int64_t i = r0 + t; i < r1; i += kDwRowThreads) acc = rms_dw_add(acc, g[i * d + j], x[i * d + j], r[i]);
        partial += acc;
      }
      sum.add(partial);
    }
    dw[j] = s * sum.total;
  }
}
#endif

}  // namespace depthscope::kernels::math
