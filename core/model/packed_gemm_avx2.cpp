#include "core/model/packed_gemm_avx2.h"

#include <algorithm>

#include "core/error.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DEPTHSCOPE_AVX2_KERNEL 1
#endif

namespace depthscope {

bool cpu_has_avx2_fma() {
#ifdef DEPTHSCOPE_AVX2_KERNEL
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

#ifdef DEPTHSCOPE_AVX2_KERNEL
namespace {

constexpr std::int64_t kMR = 6;   // rows of x per kernel call
constexpr std::int64_t kNR = 16;  // columns per kernel call: two vectors of 8 floats

// The lanes below n (n clipped to 0..8) set: AVX2's masks for maskload / maskstore.
__attribute__((target("avx2"))) __m256i lanes_below(std::int64_t n) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::clamp<std::int64_t>(n, 0, 8))), lane);
}

// c[r][0..16) for r < rows <= 6 under the masks m0 (columns 0..7) and m1 (8..15). kMasked:
// w is read under the masks too (not padded). Every index into the accumulators is a constant,
// so that they stay in registers.
template <bool kMasked>
__attribute__((target("avx2,fma"))) void kernel_6x16(std::int64_t kc, const float* x, std::int64_t ldx, const float* wp,
                                                     std::int64_t ldw, float* c, std::int64_t ldc, bool accumulate,
                                                     float alpha, std::int64_t rows, __m256i m0, __m256i m1,
                                                     const float* b) {
  const float* xr[kMR];  // rows past `rows` read the last row again (never stored)
#pragma GCC unroll 6
  for (int r = 0; r < kMR; ++r) xr[r] = x + std::min<std::int64_t>(r, rows - 1) * ldx;
  __m256 a0[kMR], a1[kMR];  // [6 rows][16 columns]
#pragma GCC unroll 6
  for (int r = 0; r < kMR; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
  for (std::int64_t k = 0; k < kc; ++k) {
    const __m256 w0 = kMasked ? _mm256_maskload_ps(wp, m0) : _mm256_loadu_ps(wp);
    const __m256 w1 = kMasked ? _mm256_maskload_ps(wp + 8, m1) : _mm256_loadu_ps(wp + 8);
#pragma GCC unroll 6
    for (int r = 0; r < kMR; ++r) {
      const __m256 xv = _mm256_broadcast_ss(xr[r] + k);
      a0[r] = _mm256_fmadd_ps(xv, w0, a0[r]);
      a1[r] = _mm256_fmadd_ps(xv, w1, a1[r]);
    }
    wp += ldw;
  }
  const __m256 scale = _mm256_set1_ps(alpha);
  const __m256 b0 = b != nullptr ? _mm256_maskload_ps(b, m0) : _mm256_setzero_ps();
  const __m256 b1 = b != nullptr ? _mm256_maskload_ps(b + 8, m1) : _mm256_setzero_ps();
#pragma GCC unroll 6
  for (int r = 0; r < kMR; ++r) {
    if (r >= rows) break;
    float* cr = c + r * ldc;
    __m256 y0 = alpha != 1.0f ? _mm256_mul_ps(a0[r], scale) : a0[r];
    __m256 y1 = alpha != 1.0f ? _mm256_mul_ps(a1[r], scale) : a1[r];
    if (accumulate) {
      y0 = _mm256_add_ps(_mm256_maskload_ps(cr, m0), y0);
      y1 = _mm256_add_ps(_mm256_maskload_ps(cr + 8, m1), y1);
    }
    if (b != nullptr) y0 = _mm256_add_ps(y0, b0), y1 = _mm256_add_ps(y1, b1);
    _mm256_maskstore_ps(cr, m0, y0);
    _mm256_maskstore_ps(cr + 8, m1, y1);
  }
}

// avx2_panel_rows under AVX2, so that the masks pass between AVX2 functions in registers (a
// caller compiled without AVX would pass them in memory: another ABI).
__attribute__((target("avx2,fma"))) void panel_rows(std::int64_t kc, const float* x, std::int64_t rows,
                                                    std::int64_t ldx, const float* w, std::int64_t ldw, float* c,
                                                    std::int64_t ldc, bool accumulate, float alpha, std::int64_t cols,
                                                    const float* b, bool padded) {
  for (std::int64_t i = 0; i < rows; i += kMR) {
    const std::int64_t r = std::min(kMR, rows - i);
    for (std::int64_t n0 = 0; n0 < cols; n0 += kNR) {  // the panel's two halves of 16 columns
      const std::int64_t n = std::min(kNR, cols - n0);
      const __m256i m0 = lanes_below(n), m1 = lanes_below(n - 8);
      const float* bias = b != nullptr ? b + n0 : nullptr;
      if (padded || n == kNR)  // every column read is there
        kernel_6x16<false>(kc, x + i * ldx, ldx, w + n0, ldw, c + i * ldc + n0, ldc, accumulate, alpha, r, m0, m1, bias);
      else
        kernel_6x16<true>(kc, x + i * ldx, ldx, w + n0, ldw, c + i * ldc + n0, ldc, accumulate, alpha, r, m0, m1, bias);
    }
  }
}

}  // namespace
#endif

void avx2_panel_rows(std::int64_t kc, const float* x, std::int64_t rows, std::int64_t ldx, const float* w,
                     std::int64_t ldw, float* c, std::int64_t ldc, bool accumulate, float alpha, std::int64_t cols,
                     const float* b, bool padded) {
#ifdef DEPTHSCOPE_AVX2_KERNEL
  panel_rows(kc, x, rows, ldx, w, ldw, c, ldc, accumulate, alpha, cols, b, padded);
#else
  (void)kc, (void)x, (void)rows, (void)ldx, (void)w, (void)ldw, (void)c, (void)ldc, (void)accumulate, (void)alpha,
      (void)cols, (void)b, (void)padded;
  throw UsageError("packed GEMM: this build has no AVX2 kernel");
#endif
}

}  // namespace depthscope
