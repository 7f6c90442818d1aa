#include "core/model/softmax_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "core/model/packed_gemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12 takes the lanes that AVX-512 intrinsics leave undefined on purpose (casts, masked
// ops) for uninitialised variables once they are inlined here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#define DEPTHSCOPE_SOFTMAX_X86 1
#endif

namespace depthscope {

namespace {

// The AVX-512 code below, one lane at a time (DEPTHSCOPE_PACKED_GEMM=portable): the same
// operations in the same order, so the same bits.
namespace portable {

// _mm512_max_ps / _mm_max_ps: the second operand when either is NaN (or both are zeros).
float max_ps(float a, float b) { return a > b ? a : b; }
float min_ps(float a, float b) { return a < b ? a : b; }

// 2^(i/32) for i = 0..31, each less i << 47 in its bits (exp8's table).
const std::int64_t* exp_table() {
  static const struct Table {
    std::int64_t bits[32];
    Table() {
      for (int i = 0; i < 32; ++i) {
        const double v = static_cast<double>(std::exp2(static_cast<long double>(i) / 32.0L));
        std::memcpy(&bits[i], &v, sizeof v);
        bits[i] -= static_cast<std::int64_t>(i) << 47;
      }
    }
  } table;
  return table.bits;
}

// One lane of exp16.
float exp1(float xf) {
  constexpr double kLn2 = 0.693147180559945309417232121458176568;
  xf = min_ps(0.0f, max_ps(-150.0f, xf));
  const double x = xf;
  const double z = x * (32.0 / kLn2);
  const double shifted = z + 0x1.8p52;
  std::uint64_t k;
  std::memcpy(&k, &shifted, sizeof k);
  const double r = z - (shifted - 0x1.8p52);
  const std::uint64_t entry = static_cast<std::uint64_t>(exp_table()[k & 31]);
  const std::uint64_t scale_bits = entry + (k << 47);
  double scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  const double c1 = kLn2 / 32, c2 = c1 * c1 / 2, c3 = c2 * c1 / 3;
  double p = std::fma(c3, r, c2);
  p = std::fma(p, r, c1);
  p = std::fma(p, r, 1.0);
  return static_cast<float>(p * scale);
}

// GCC's _mm512_reduce_{max,add}_ps: halves of 8, of 4, then pairs (avx512fintrin.h).
template <class Op>
float reduce16(const float* v, Op op) {
  float t3[8], t6[4];
  for (int i = 0; i < 8; ++i) t3[i] = op(v[8 + i], v[i]);
  for (int i = 0; i < 4; ++i) t6[i] = op(t3[4 + i], t3[i]);
  const float t8_0 = op(t6[0], t6[2]), t8_1 = op(t6[1], t6[3]);
  return op(t8_0, t8_1);
}

void softmax_row(float* s, std::int64_t n, std::int64_t width) {
  float m[16], sum[16];
  for (int l = 0; l < 16; ++l) m[l] = -__builtin_inff(), sum[l] = 0.0f;
  // Every lane of each block of 16 takes part; lanes past n read -inf (a NaN lane meeting one
  // becomes -inf, as with the masked load).
  for (std::int64_t j0 = 0; j0 < n; j0 += 16)
    for (int l = 0; l < 16; ++l) m[l] = max_ps(m[l], j0 + l < n ? s[j0 + l] : -__builtin_inff());
  const float max = reduce16(m, max_ps);
  for (std::int64_t j = 0; j < n; ++j) {
    s[j] = exp1(s[j] - max);
    sum[j % 16] = sum[j % 16] + s[j];
  }
  const float inv = 1.0f / reduce16(sum, [](float a, float b) { return a + b; });
  for (std::int64_t j = 0; j < n; ++j) s[j] = s[j] * inv;
  if (width > n) std::memset(s + n, 0, static_cast<size_t>(width - n) * sizeof(float));
}

}  // namespace portable

#ifdef DEPTHSCOPE_SOFTMAX_X86
// The same code for AVX2 (RowKernels::avx2): 16 lanes as two vectors of 8, exp in doubles 4 at
// a time, the table read by a gather; the reductions in exp16's order (portable::reduce16).
// The same bits as the AVX-512 and portable code.
namespace avx2 {

__attribute__((target("avx2,fma"))) __m128 exp4(__m128 xf) {
  constexpr double kLn2 = 0.693147180559945309417232121458176568;
  const __m256d x = _mm256_cvtps_pd(xf);
  const __m256d z = _mm256_mul_pd(x, _mm256_set1_pd(32.0 / kLn2));
  const __m256d shifted = _mm256_add_pd(z, _mm256_set1_pd(0x1.8p52));
  const __m256i k = _mm256_castpd_si256(shifted);
  const __m256d r = _mm256_sub_pd(z, _mm256_sub_pd(shifted, _mm256_set1_pd(0x1.8p52)));
  const __m256i idx = _mm256_and_si256(k, _mm256_set1_epi64x(31));
  const __m256i entry = _mm256_i64gather_epi64(reinterpret_cast<const long long*>(portable::exp_table()), idx, 8);
  const __m256d scale = _mm256_castsi256_pd(_mm256_add_epi64(entry, _mm256_slli_epi64(k, 47)));
  const double c1 = kLn2 / 32, c2 = c1 * c1 / 2, c3 = c2 * c1 / 3;
  __m256d p = _mm256_fmadd_pd(_mm256_set1_pd(c3), r, _mm256_set1_pd(c2));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c1));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  return _mm256_cvtpd_ps(_mm256_mul_pd(p, scale));
}

__attribute__((target("avx2,fma"))) __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_setzero_ps(), _mm256_max_ps(_mm256_set1_ps(-150.0f), x));
  return _mm256_set_m128(exp4(_mm256_extractf128_ps(x, 1)), exp4(_mm256_castps256_ps128(x)));
}

// The lanes j < n (n clipped to 0..8) set.
__attribute__((target("avx2"))) __m256i lanes_below(std::int64_t n) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::clamp<std::int64_t>(n, 0, 8))), lane);
}

__attribute__((target("avx2,fma"))) void softmax_row(float* s, std::int64_t n, std::int64_t width) {
  const __m256 minus_inf = _mm256_set1_ps(-__builtin_inff());
  __m256 m[2] = {minus_inf, minus_inf};  // lanes 0..7 and 8..15 of each block of 16
  for (std::int64_t j = 0; j < n; j += 16)
    for (int h = 0; h < 2; ++h) {
      const __m256i k = lanes_below(n - j - 8 * h);
      const __m256 v = _mm256_blendv_ps(minus_inf, _mm256_maskload_ps(s + j + 8 * h, k), _mm256_castsi256_ps(k));
      m[h] = _mm256_max_ps(m[h], v);
    }
  alignas(32) float lanes[16];
  _mm256_store_ps(lanes, m[0]);
  _mm256_store_ps(lanes + 8, m[1]);
  const __m256 max = _mm256_set1_ps(portable::reduce16(lanes, portable::max_ps));
  __m256 sum[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (std::int64_t j = 0; j < n; j += 16)
    for (int h = 0; h < 2; ++h) {
      const __m256i k = lanes_below(n - j - 8 * h);
      const __m256 e = exp8(_mm256_sub_ps(_mm256_maskload_ps(s + j + 8 * h, k), max));
      _mm256_maskstore_ps(s + j + 8 * h, k, e);
      sum[h] = _mm256_add_ps(sum[h], _mm256_and_ps(e, _mm256_castsi256_ps(k)));
    }
  _mm256_store_ps(lanes, sum[0]);
  _mm256_store_ps(lanes + 8, sum[1]);
  const __m256 inv = _mm256_set1_ps(1.0f / portable::reduce16(lanes, [](float a, float b) { return a + b; }));
  for (std::int64_t j = 0; j < n; j += 8) {
    const __m256i k = lanes_below(n - j);
    _mm256_maskstore_ps(s + j, k, _mm256_mul_ps(_mm256_maskload_ps(s + j, k), inv));
  }
  if (width > n) std::memset(s + n, 0, static_cast<size_t>(width - n) * sizeof(float));
}

__attribute__((target("avx2,fma"))) void exp_range(const float* x, float* y, std::int64_t n) {
  for (std::int64_t j = 0; j < n; j += 8) {
    const __m256i k = lanes_below(n - j);
    _mm256_maskstore_ps(y + j, k, exp8(_mm256_maskload_ps(x + j, k)));
  }
}

}  // namespace avx2
#endif

}  // namespace

#ifdef DEPTHSCOPE_SOFTMAX_X86
namespace {

// exp(x) for 8 floats widened to double: x = (k + r) ln2 / 32 with k an integer and
// |r| <= 1/2, exp(x) = 2^(k/32) 2^(r/32); 2^(k/32) = 2^(k div 32) times the table entry for
// k mod 32, 2^(r/32) by its cubic Taylor polynomial (relative error under 1e-9). Rounded once
// to float, the result is within 1 ulp of exp(x): the nearest float, or its neighbour where
// exp(x) lies within that 1e-9 of a halfway point between two floats -- not correctly rounded
// in every case (PackedWeightCache.SoftmaxExpIsWithinOneUlp in
// tests/core/model/packed_weight_cache_test.cpp measures it against float64's exp). A
// faster, coarser exp flipped a 2e-6 near-tie of stories260K's greedy pick.
struct ExpTable {
  __m512d t[4];  // 2^(i/32) for i = 0..31, each less i << 47 in its bits (the exponent added back)
  ExpTable() {
    alignas(64) std::int64_t bits[32];
    for (int i = 0; i < 32; ++i) {
      const double v = static_cast<double>(std::exp2(static_cast<long double>(i) / 32.0L));
      std::memcpy(&bits[i], &v, sizeof v);
      bits[i] -= static_cast<std::int64_t>(i) << 47;
    }
    for (int q = 0; q < 4; ++q) std::memcpy(&t[q], bits + 8 * q, sizeof(t[q]));
  }
};

__attribute__((target("avx512f"))) __m256 exp8(__m256 xf, const ExpTable& table) {
  constexpr double kLn2 = 0.693147180559945309417232121458176568;
  const __m512d x = _mm512_cvtps_pd(xf);
  const __m512d z = _mm512_mul_pd(x, _mm512_set1_pd(32.0 / kLn2));         // x in units of ln2 / 32
  const __m512d shifted = _mm512_add_pd(z, _mm512_set1_pd(0x1.8p52));       // k in the low bits
  const __m512i k = _mm512_castpd_si512(shifted);
  const __m512d r = _mm512_sub_pd(z, _mm512_sub_pd(shifted, _mm512_set1_pd(0x1.8p52)));  // |r| <= 1/2
  const __m512i idx = _mm512_and_si512(k, _mm512_set1_epi64(31));
  const __m512d lo = _mm512_permutex2var_pd(table.t[0], idx, table.t[1]);   // entries 0..15
  const __m512d hi = _mm512_permutex2var_pd(table.t[2], idx, table.t[3]);   // entries 16..31
  const __mmask8 upper = _mm512_test_epi64_mask(idx, _mm512_set1_epi64(16));
  const __m512i entry = _mm512_castpd_si512(_mm512_mask_blend_pd(upper, lo, hi));
  const __m512d scale = _mm512_castsi512_pd(_mm512_add_epi64(entry, _mm512_slli_epi64(k, 47)));  // 2^(k/32)
  const double c1 = kLn2 / 32, c2 = c1 * c1 / 2, c3 = c2 * c1 / 3;
  __m512d p = _mm512_fmadd_pd(_mm512_set1_pd(c3), r, _mm512_set1_pd(c2));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c1));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));                           // 2^(r/32)
  return _mm512_cvtpd_ps(_mm512_mul_pd(p, scale));
}

// exp(x) for 16 floats, x <= 0 (scores less their row's maximum); below -150 the result is 0.
__attribute__((target("avx512f"))) __m512 exp16(__m512 x) {
  static const ExpTable table;
  // (max and min return their second operand when either is NaN: a NaN stays NaN.)
  x = _mm512_min_ps(_mm512_setzero_ps(), _mm512_max_ps(_mm512_set1_ps(-150.0f), x));
  const __m256 lo = exp8(_mm512_castps512_ps256(x), table);
  const __m256 hi = exp8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)), table);
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

__mmask16 tail_mask(std::int64_t n) { return n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1); }

__attribute__((target("avx512f"))) void softmax_row(float* s, std::int64_t n, std::int64_t width) {
  __m512 m = _mm512_set1_ps(-__builtin_inff());
  for (std::int64_t j = 0; j < n; j += 16)
    m = _mm512_max_ps(m, _mm512_mask_loadu_ps(_mm512_set1_ps(-__builtin_inff()), tail_mask(n - j), s + j));
  const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(m));
  __m512 sum = _mm512_setzero_ps();
  for (std::int64_t j = 0; j < n; j += 16) {
    const __mmask16 k = tail_mask(n - j);
    const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, s + j), max));
    _mm512_mask_storeu_ps(s + j, k, e);
    sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, e));
  }
  const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
  for (std::int64_t j = 0; j < n; j += 16) {
    const __mmask16 k = tail_mask(n - j);
    _mm512_mask_storeu_ps(s + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, s + j), inv));
  }
  if (width > n) std::memset(s + n, 0, static_cast<size_t>(width - n) * sizeof(float));
}

__attribute__((target("avx512f"))) void exp_range(const float* x, float* y, std::int64_t n) {
  for (std::int64_t j = 0; j < n; j += 16) {
    const __mmask16 k = tail_mask(n - j);
    _mm512_mask_storeu_ps(y + j, k, exp16(_mm512_maskz_loadu_ps(k, x + j)));
  }
}

}  // namespace
#endif

void softmax_exp(const float* x, float* y, std::int64_t n) {
  if (!packed_gemm_enabled())
    throw UsageError("softmax_exp: the packed kernels are off (neither AVX-512F nor AVX2 on this CPU, or DEPTHSCOPE_PACKED_GEMM=0)");
  if (row_kernels() == RowKernels::portable) {
    for (std::int64_t j = 0; j < n; ++j) y[j] = portable::exp1(x[j]);
    return;
  }
#ifdef DEPTHSCOPE_SOFTMAX_X86
  if (row_kernels() == RowKernels::avx2) return avx2::exp_range(x, y, n);
#endif
#ifdef DEPTHSCOPE_SOFTMAX_X86
  exp_range(x, y, n);
#else
  (void)x, (void)y, (void)n;
#endif
}

void causal_softmax_rows(float* s, std::int64_t rows, std::int64_t ld, std::int64_t seen_0, std::int64_t width) {
  if (!packed_gemm_enabled())
    throw UsageError("causal_softmax_rows: the packed kernels are off (neither AVX-512F nor AVX2 on this CPU, or "
                     "DEPTHSCOPE_PACKED_GEMM=0); callers check packed_gemm_enabled() and take ATen's softmax");
  if (row_kernels() == RowKernels::portable) {
    for (std::int64_t i = 0; i < rows; ++i) portable::softmax_row(s + i * ld, std::min(width, seen_0 + i), width);
    return;
  }
#ifdef DEPTHSCOPE_SOFTMAX_X86
  if (row_kernels() == RowKernels::avx2) {
    for (std::int64_t i = 0; i < rows; ++i) avx2::softmax_row(s + i * ld, std::min(width, seen_0 + i), width);
    return;
  }
#endif
#ifdef DEPTHSCOPE_SOFTMAX_X86
  for (std::int64_t i = 0; i < rows; ++i) softmax_row(s + i * ld, std::min(width, seen_0 + i), width);
#else
  (void)s, (void)rows, (void)ld, (void)seen_0, (void)width;
  throw UsageError("causal_softmax_rows: this build has no AVX-512 kernel");
#endif
}

}  // namespace depthscope
