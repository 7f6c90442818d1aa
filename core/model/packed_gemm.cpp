#include "core/model/packed_gemm.h"

#include <ATen/ATen.h>
#include <c10/util/intrusive_ptr.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <unordered_map>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DEPTHSCOPE_PACKED_GEMM_X86 1
#endif

#include "core/error.h"
#include "core/model/packed_gemm_avx2.h"
#include "core/runtime/cpu_isa.h"
#include "core/runtime/memory.h"
#include "core/runtime/parallel.h"

namespace depthscope {

namespace {

constexpr std::int64_t kNR = 32;     // output columns per panel: two vectors of 16 floats
constexpr std::int64_t kMR = 8;      // rows of x per kernel call
constexpr std::int64_t kMaxKC = 4096;  // k-block length at most: a panel [kc][32] stays in L2

std::int64_t panels_of(std::int64_t n) { return (n + kNR - 1) / kNR; }

std::int64_t k_block_of(std::int64_t k) {
  const std::int64_t blocks = std::max<std::int64_t>(1, (k + kMaxKC - 1) / kMaxKC);
  return (k + blocks - 1) / blocks;
}

// kernel_8x32's arithmetic in plain C++, for `cols` <= 32 columns: per element one fused
// multiply-add per k in increasing k from 0, then alpha, the value already in c, the bias, in
// that order. The same bits as the AVX-512 kernel (an FMA lane is std::fma).
void kernel_8x32_portable(std::int64_t kc, const float* x, std::int64_t ldx, const float* wp, std::int64_t ldw,
                          float* c, std::int64_t ldc, bool accumulate, float alpha, std::int64_t rows,
                          std::int64_t cols, const float* b) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    float* cr = c + r * ldc;
    for (std::int64_t j = 0; j < cols; ++j) {
      float acc = 0.0f;
      for (std::int64_t k = 0; k < kc; ++k) acc = std::fma(xr[k], wp[k * ldw + j], acc);
      float y = alpha != 1.0f ? acc * alpha : acc;
      if (accumulate) y = cr[j] + y;
      if (b != nullptr) y = y + b[j];
      cr[j] = y;
    }
  }
}

bool cpu_has_avx512() {
#ifdef DEPTHSCOPE_PACKED_GEMM_X86
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

RowKernels kernels_from_environment() {
  const char* env = std::getenv("DEPTHSCOPE_PACKED_GEMM");
  if (env != nullptr && std::strcmp(env, "0") == 0) return RowKernels::none;
  if (env != nullptr && std::strcmp(env, "portable") == 0) return RowKernels::portable;
  bool avx2_only = false;  // DEPTHSCOPE_CPU_ISA=avx2; an unknown value is refused at start-up (configure_blas)
  try {
    avx2_only = avx2_requested();
  } catch (const UsageError&) {
  }
  if (cpu_has_avx512() && !avx2_only) return RowKernels::avx512;
  return cpu_has_avx2_fma() ? RowKernels::avx2 : RowKernels::none;
}

std::atomic<RowKernels>& kernels_in_use() {
  static std::atomic<RowKernels> k{kernels_from_environment()};
  return k;
}

#ifdef DEPTHSCOPE_PACKED_GEMM_X86

// c[r][0..31] (+)= alpha * sum over k < kc of x[r * ldx + k] * wp[k * ldw + 0..31] for the
// first `rows` of 8 rows (x read in place: 8 sequential streams, each k one broadcast per row);
// columns beyond the masks are not written (nor read when kMasked: w not padded to 32
// columns). b (not null on the last k-block) is added last. pf: pf_lines cache lines of the
// next panel, fetched into L2 one per k while this one runs. Every index into the accumulators
// is a constant, so that they stay in registers.
template <bool kMasked>
__attribute__((target("avx512f"))) void kernel_8x32(std::int64_t kc, const float* x, std::int64_t ldx,
                                                    const float* wp, std::int64_t ldw, float* c, std::int64_t ldc,
                                                    bool accumulate, float alpha, std::int64_t rows, __mmask16 m0,
                                                    __mmask16 m1, const float* b, const float* pf,
                                                    std::int64_t pf_lines) {
  const float* xr[kMR];  // rows past `rows` read the last row again (never stored)
#pragma GCC unroll 8
  for (int r = 0; r < kMR; ++r) xr[r] = x + std::min<std::int64_t>(r, rows - 1) * ldx;
  __m512 a0[kMR], a1[kMR];  // [8 rows][32 columns]
#pragma GCC unroll 8
  for (int r = 0; r < kMR; ++r) a0[r] = a1[r] = _mm512_setzero_ps();
  for (std::int64_t k = 0; k < kc; ++k) {
    const __m512 w0 = kMasked ? _mm512_maskz_loadu_ps(m0, wp) : _mm512_loadu_ps(wp);
    const __m512 w1 = kMasked ? _mm512_maskz_loadu_ps(m1, wp + 16) : _mm512_loadu_ps(wp + 16);
    if (k < pf_lines) _mm_prefetch(reinterpret_cast<const char*>(pf + k * 16), _MM_HINT_T1);
#pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r) {
      const __m512 xv = _mm512_set1_ps(xr[r][k]);
      a0[r] = _mm512_fmadd_ps(xv, w0, a0[r]);
      a1[r] = _mm512_fmadd_ps(xv, w1, a1[r]);
    }
    wp += ldw;
  }
  const __m512 scale = _mm512_set1_ps(alpha);
  const __m512 b0 = b != nullptr ? _mm512_maskz_loadu_ps(m0, b) : _mm512_setzero_ps();
  const __m512 b1 = b != nullptr ? _mm512_maskz_loadu_ps(m1, b + 16) : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int r = 0; r < kMR; ++r) {
    if (r >= rows) break;
    float* cr = c + r * ldc;
    __m512 y0 = alpha != 1.0f ? _mm512_mul_ps(a0[r], scale) : a0[r];
    __m512 y1 = alpha != 1.0f ? _mm512_mul_ps(a1[r], scale) : a1[r];
    if (accumulate) {
      y0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), y0);
      y1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), y1);
    }
    if (b != nullptr) y0 = _mm512_add_ps(y0, b0), y1 = _mm512_add_ps(y1, b1);
    _mm512_mask_storeu_ps(cr, m0, y0);
    _mm512_mask_storeu_ps(cr + 16, m1, y1);
  }
}

__mmask16 low_mask(std::int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}

#endif

// Column panels [p0, p1) of y for every row of x.
void panel_range(const float* x, std::int64_t M, std::int64_t ldx, const PackedWeight& w, const float* b, float* y, std::int64_t ldy,
                 std::int64_t p0, std::int64_t p1) {
  const bool portable = row_kernels() == RowKernels::portable, avx2 = row_kernels() == RowKernels::avx2;
  const std::int64_t K = w.k, P = panels_of(w.n), I = (M + kMR - 1) / kMR;
  const float* panels = w.panels.data_ptr<float>();
  for (std::int64_t k0 = 0; k0 < K; k0 += w.kc) {
    const std::int64_t kc = std::min(w.kc, K - k0);
    const bool last = k0 + kc >= K;
    const float* block = panels + k0 * P * kNR;  // this k-block's panels, [P][kc][32]
    for (std::int64_t p = p0; p < p1; ++p) {
      const std::int64_t n0 = p * kNR, cols = std::min(kNR, w.n - n0);
      const float* wp = block + p * kc * kNR;
      if (portable) {
        for (std::int64_t i = 0; i < I; ++i)
          kernel_8x32_portable(kc, x + i * kMR * ldx + k0, ldx, wp, kNR, y + i * kMR * ldy + n0, ldy, k0 > 0, 1.0f,
                               std::min(kMR, M - i * kMR), cols, last && b != nullptr ? b + n0 : nullptr);
        continue;
      }
      if (avx2) {
        avx2_panel_rows(kc, x + k0, M, ldx, wp, kNR, y + n0, ldy, k0 > 0, 1.0f, cols,
                        last && b != nullptr ? b + n0 : nullptr, /*padded=*/true);
        continue;
      }
#ifdef DEPTHSCOPE_PACKED_GEMM_X86
      const __mmask16 m0 = low_mask(cols), m1 = low_mask(cols - 16);
      // The next panel (of this k-block, or the first of the next) is fetched into L2 while
      // this one is computed, its lines spread over the I kernel calls.
      const bool has_next = p + 1 < p1 || k0 + kc < K;
      const float* next = p + 1 < p1 ? wp + kc * kNR
                          : has_next ? panels + (k0 + kc) * P * kNR + p0 * std::min(w.kc, K - k0 - kc) * kNR
                                     : wp;
      const std::int64_t lines = has_next ? kc * kNR / 16 : 0, share = (lines + I - 1) / I;
      for (std::int64_t i = 0; i < I; ++i)
        kernel_8x32<false>(kc, x + i * kMR * ldx + k0, ldx, wp, kNR, y + i * kMR * ldy + n0, ldy, k0 > 0, 1.0f,
                    std::min(kMR, M - i * kMR), m0, m1, last && b != nullptr ? b + n0 : nullptr,
                    next + i * share * 16, std::max<std::int64_t>(0, std::min(share, lines - i * share)));
#else
      throw UsageError("packed_linear: this build has no AVX-512 kernel");
#endif
    }
  }
}

using WeakTensor = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;
using PackedFuture = std::shared_future<std::shared_ptr<const PackedWeight>>;

// One weight's packed copy, or the promise of it while one thread packs it (outside the lock:
// lookups of other weights go on meanwhile; lookups of this one wait for the future).
struct CacheEntry {
  WeakTensor owner;  // expired once the weight is freed
  const void* data;
  std::int64_t version;
  std::int64_t bytes;    // counted in cache_bytes from the moment packing starts
  std::uint64_t ticket;  // which packing made the entry
  PackedFuture packed;
};

std::mutex cache_mutex;
std::unordered_map<const c10::TensorImpl*, CacheEntry> cache;  // guarded by cache_mutex
std::int64_t cache_bytes = 0;                                    // guarded by cache_mutex
std::uint64_t next_ticket = 0;                                   // guarded by cache_mutex
std::int64_t cap_override = 0;                                   // guarded by cache_mutex; 0: the default

std::int64_t version_of(const at::Tensor& w) {
  return w.is_inference() ? 0 : static_cast<std::int64_t>(w.unsafeGetTensorImpl()->version_counter().current_version());
}

std::int64_t packed_bytes_of(const at::Tensor& w) { return packed_copy_bytes(w.size(0), w.size(1)); }

// Drops the entries whose weight is gone. Caller holds cache_mutex.
void evict_expired() {
  for (auto it = cache.begin(); it != cache.end();) {
    if (it->second.owner.expired()) {
      cache_bytes -= it->second.bytes;
      it = cache.erase(it);
    } else {
      ++it;
    }
  }
}

void require_enabled(const char* what) {
  if (!packed_gemm_enabled())
    throw UsageError(std::string(what) + ": the packed kernels are off (neither AVX-512F nor AVX2 on this CPU, or "
                     "DEPTHSCOPE_PACKED_GEMM=0); callers check packed_gemm_enabled() and take at::mm");
}

}  // namespace

RowKernels row_kernels() { return kernels_in_use().load(std::memory_order_relaxed); }

const char* to_string(RowKernels k) {
  switch (k) {
    case RowKernels::none: return "none";
    case RowKernels::avx512: return "avx512";
    case RowKernels::avx2: return "avx2";
    case RowKernels::portable: return "portable";
  }
  return "none";
}

bool set_row_kernels(RowKernels k) {
  if (k == RowKernels::avx512 && !cpu_has_avx512()) return false;
  if (k == RowKernels::avx2 && !cpu_has_avx2_fma()) return false;
  kernels_in_use().store(k);
  return true;
}

bool packed_gemm_enabled() { return row_kernels() != RowKernels::none; }

std::int64_t packed_copy_bytes(std::int64_t n, std::int64_t k) {
  return panels_of(n) * kNR * k * static_cast<std::int64_t>(sizeof(float));
}

void pack_weight_into(const at::Tensor& w_in, bool transposed, PackedWeight& out) {
  if (w_in.dim() != 2 || w_in.scalar_type() != at::kFloat || !w_in.device().is_cpu())
    throw UsageError("pack_weight: expected a CPU float32 matrix [N, K]");
  const at::Tensor w = w_in.contiguous();
  // Element (n, k) of the matrix packed: W[n][k], or W[k][n] for W^T.
  const std::int64_t rows = w.size(0), cols = w.size(1);
  const std::int64_t N = transposed ? cols : rows, K = transposed ? rows : cols;
  const std::int64_t sn = transposed ? 1 : cols, sk = transposed ? cols : 1;
  const std::int64_t P = panels_of(N);
  if (!out.panels.defined() || out.panels.numel() != P * kNR * K) out.panels = at::empty({P * kNR * K}, w.options());
  out.n = N;
  out.k = K;
  out.kc = k_block_of(K);
  const float* src = w.data_ptr<float>();
  float* dst = out.panels.data_ptr<float>();
  const std::int64_t kcb = out.kc;
  parallel_for(0, P, 1, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t k0 = 0; k0 < K; k0 += kcb) {
      const std::int64_t kc = std::min(kcb, K - k0);
      for (std::int64_t p = p0; p < p1; ++p) {
        float* panel = dst + k0 * P * kNR + p * kc * kNR;  // [kc][32]
        const std::int64_t cols_here = std::min(kNR, N - p * kNR);
        const float* from = src + k0 * sk + p * kNR * sn;  // element (32p, k0)
        if (transposed) {  // W^T: a panel line is 32 consecutive floats of a row of W
          for (std::int64_t k = 0; k < kc; ++k) {
            float* line = panel + k * kNR;
            for (std::int64_t j = 0; j < cols_here; ++j) line[j] = from[k * sk + j];
            for (std::int64_t j = cols_here; j < kNR; ++j) line[j] = 0.0f;
          }
        } else {  // W: a panel column is kc consecutive floats of a row of W
          for (std::int64_t j = 0; j < kNR; ++j)
            for (std::int64_t k = 0; k < kc; ++k) panel[k * kNR + j] = j < cols_here ? from[j * sn + k] : 0.0f;
        }
      }
    }
  });
}

namespace {

#ifdef DEPTHSCOPE_PACKED_GEMM_X86
// dst[k][j] = src[j][k] for a 16 x 16 tile (rows lds / ldd floats apart): unpack pairs, pairs
// of pairs, then 128-bit lanes twice. pack_rows_into's transpose where AVX-512 runs.
__attribute__((target("avx512f"))) void transpose16x16(const float* src, std::int64_t lds, float* dst, std::int64_t ldd) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      t[8 * i + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + j + 4], 0x88);
      t[8 * i + j + 4] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + j + 4], 0xdd);
    }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ldd, r[i]);
}
#endif

// Rows of W one cache line off a multiple of 1 KiB apart in the transpose's scratch: at K = 2048
// (8 KiB rows) all 32 would share the L1 sets a panel line gathers one float from each of.
std::int64_t scratch_row_floats(std::int64_t K) {
  const std::int64_t ld = (K + 15) / 16 * 16;
  return ld % 256 == 0 ? ld + 16 : ld;
}

// Panel p of an [N, K] matrix (P panels) into dst's k-blocks of kcb, from its rows in scratch
// ([cols_here][ld]); columns past cols_here are zero.
void panel_from_rows(const float* scratch, std::int64_t ld, std::int64_t cols_here, std::int64_t K, std::int64_t kcb,
                     float* dst, std::int64_t P, std::int64_t p) {
  const bool avx512 = row_kernels() == RowKernels::avx512;
  for (std::int64_t k0 = 0; k0 < K; k0 += kcb) {
    const std::int64_t kc = std::min(kcb, K - k0);
    float* panel = dst + k0 * P * kNR + p * kc * kNR;  // [kc][32]
    std::int64_t k = 0;
#ifdef DEPTHSCOPE_PACKED_GEMM_X86
    if (avx512 && cols_here == kNR)
      for (; k + 16 <= kc; k += 16) {  // rows 0-15 into columns 0-15 of 16 lines, rows 16-31 into 16-31
        transpose16x16(scratch + k0 + k, ld, panel + k * kNR, kNR);
        transpose16x16(scratch + 16 * ld + k0 + k, ld, panel + k * kNR + 16, kNR);
      }
#else
    (void)avx512;
#endif
    for (; k < kc; ++k) {
      float* line = panel + k * kNR;
      const float* from = scratch + k0 + k;
      for (std::int64_t j = 0; j < cols_here; ++j) line[j] = from[j * ld];
      for (std::int64_t j = cols_here; j < kNR; ++j) line[j] = 0.0f;
    }
  }
}

}  // namespace

void streamed_packed_linear(const float* x, std::int64_t M, std::int64_t ldx, std::int64_t N, std::int64_t K,
                            const std::function<void(std::int64_t, std::int64_t, float*, std::int64_t)>& rows,
                            const float* b, float* y, std::int64_t ldy, int threads) {
  require_enabled("streamed_packed_linear");
  if (M <= 0 || N <= 0) return;
  const std::int64_t P = panels_of(N), kcb = k_block_of(K), ld = scratch_row_floats(K);
  auto work = [&](std::int64_t p0, std::int64_t p1) {
    std::vector<float> scratch(static_cast<std::size_t>(kNR * ld));  // [32][ld]: a panel's rows
    std::vector<float> panel(static_cast<std::size_t>(kNR * K));     // that panel, packed
    PackedWeight one;  // the panel as a one-panel weight for panel_range
    one.panels = at::from_blob(panel.data(), {kNR * K}, at::TensorOptions().dtype(at::kFloat));
    one.k = K;
    one.kc = kcb;
    for (std::int64_t p = p0; p < p1; ++p) {
      const std::int64_t r0 = p * kNR;
      one.n = std::min(kNR, N - r0);
      rows(r0, r0 + one.n, scratch.data(), ld);
      panel_from_rows(scratch.data(), ld, one.n, K, kcb, panel.data(), 1, 0);
      panel_range(x, M, ldx, one, b != nullptr ? b + r0 : nullptr, y + r0, ldy, 0, 1);
    }
  };
  if (threads <= 1 || at::in_parallel_region() || P == 1) {
    work(0, P);
    return;
  }
  parallel_for(0, P, 1, work);
}

PackedWeight pack_weight(const at::Tensor& w) {
  PackedWeight out;
  pack_weight_into(w, /*transposed=*/false, out);
  return out;
}

std::int64_t packed_weight_cap_bytes() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return cap_override > 0 ? cap_override : memory_limit_bytes() / 4;
}

void set_packed_weight_cap_bytes(std::int64_t bytes) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  cap_override = bytes > 0 ? bytes : 0;
}

std::shared_ptr<const PackedWeight> cached_packed_weight(const at::Tensor& w) {
  if (!packed_gemm_enabled() || !w.defined() || w.dim() != 2 || w.scalar_type() != at::kFloat ||
      !w.device().is_cpu() || w.requires_grad() || w.numel() == 0)
    return nullptr;
  const c10::TensorImpl* key = w.unsafeGetTensorImpl();
  const std::int64_t version = version_of(w);
  PackedFuture ready;
  std::promise<std::shared_ptr<const PackedWeight>> promise;
  std::uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache.find(key);
    if (it != cache.end()) {
      if (!it->second.owner.expired() && it->second.data == w.data_ptr() && it->second.version == version) {
        ready = it->second.packed;  // packed, or being packed by another thread
      } else {
        cache_bytes -= it->second.bytes;  // stale: the weight changed in place or is another tensor
        cache.erase(it);
      }
    }
    if (!ready.valid()) {
      evict_expired();
      const std::int64_t bytes = packed_bytes_of(w);
      const std::int64_t cap = cap_override > 0 ? cap_override : memory_limit_bytes() / 4;
      if (cache_bytes + bytes > cap) return nullptr;  // this weight keeps at::mm
      cache_bytes += bytes;
      ticket = ++next_ticket;
      cache.emplace(key, CacheEntry{WeakTensor(w.getIntrusivePtr()), w.data_ptr(), version, bytes, ticket,
                                    promise.get_future().share()});
    }
  }
  if (ready.valid()) return ready.get();

  std::shared_ptr<const PackedWeight> packed;
  try {
    packed = std::make_shared<const PackedWeight>(pack_weight(w));
  } catch (const std::exception&) {
    packed = nullptr;  // no memory for the copy: this weight keeps at::mm
  }
  promise.set_value(packed);
  if (!packed) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.ticket == ticket) {
      cache_bytes -= it->second.bytes;
      cache.erase(it);
    }
  }
  return packed;
}

void drop_unused_packed_weights() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  evict_expired();
}

std::int64_t packed_weight_bytes() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return cache_bytes;
}

void gemm_rows(const float* x, std::int64_t M, std::int64_t K, std::int64_t ldx, const float* wt, std::int64_t ldw,
               std::int64_t N, float alpha, float* y, std::int64_t ldy) {
  require_enabled("gemm_rows");
  if (M <= 0 || N <= 0) return;
  if (row_kernels() == RowKernels::portable) {
    for (std::int64_t n0 = 0; n0 < N; n0 += kNR)
      for (std::int64_t i = 0; i < M; i += kMR)
        kernel_8x32_portable(K, x + i * ldx, ldx, wt + n0, ldw, y + i * ldy + n0, ldy, false, alpha,
                             std::min(kMR, M - i), std::min(kNR, N - n0), nullptr);
    return;
  }
  if (row_kernels() == RowKernels::avx2) {
    for (std::int64_t n0 = 0; n0 < N; n0 += kNR)
      avx2_panel_rows(K, x, M, ldx, wt + n0, ldw, y + n0, ldy, false, alpha, std::min(kNR, N - n0), nullptr,
                      /*padded=*/false);
    return;
  }
#ifdef DEPTHSCOPE_PACKED_GEMM_X86
  const std::int64_t I = (M + kMR - 1) / kMR;
  for (std::int64_t n0 = 0; n0 < N; n0 += kNR) {
    const std::int64_t cols = std::min(kNR, N - n0);
    for (std::int64_t i = 0; i < I; ++i)
      kernel_8x32<true>(K, x + i * kMR * ldx, ldx, wt + n0, ldw, y + i * kMR * ldy + n0, ldy, false, alpha,
                  std::min(kMR, M - i * kMR), low_mask(cols), low_mask(cols - 16), nullptr, nullptr, 0);
  }
#else
  (void)x, (void)M, (void)K, (void)ldx, (void)wt, (void)ldw, (void)N, (void)alpha, (void)y, (void)ldy;
  throw UsageError("gemm_rows: this build has no AVX-512 kernel");
#endif
}

void packed_linear(const float* x, std::int64_t M, std::int64_t ldx, const PackedWeight& w, const float* b, float* y,
                   std::int64_t ldy, int threads) {
  require_enabled("packed_linear");
  if (M <= 0 || w.n <= 0) return;
  const std::int64_t P = panels_of(w.n);
  if (threads <= 1 || at::in_parallel_region()) {
    panel_range(x, M, ldx, w, b, y, ldy, 0, P);
    return;
  }
  parallel_for(0, P, 1, [&](std::int64_t p0, std::int64_t p1) { panel_range(x, M, ldx, w, b, y, ldy, p0, p1); });
}

}  // namespace depthscope
