#pragma once
// The row kernels' linear layers with weights packed once (issue 11).
//
// An analysis runs the same float32 weights through many forwards. A BLAS GEMM re-packs the
// weight matrix on every call (OpenBLAS: 12-15 % of a LLaMA-130M forward in `perf`), and
// stops between packing and computing. Here each weight W [N, K] is packed once into panels of
// 32 output columns, [K][32] each, and an AVX-512 kernel reads them as they are, and x's rows
// in place: per 8 rows of x and 32 columns of W, 16 accumulators of 16 floats, one fused
// multiply-add per k.
//
// Exactness: k is summed in blocks of kc = K / ceil(K / 4096) (one block when K <= 4096): each
// block's products x[m][k] W[n][k] are summed in float32 in increasing k (fused multiply-adds)
// from 0, the block sums are added in order of their blocks, then + b[n]. A row's numbers never
// depend on the other rows, on M, or on how the columns are split over threads. They differ
// from a BLAS GEMM's in the last bits only (its summation order is another), within the
// reference tolerances.
//
// Used only where it is safe and pays: CPU with AVX-512F or AVX2 (packed_gemm_avx2.h), float32 weights that stay in
// memory unchanged (not widened per forward, not trained), grad mode off. Everything else,
// and DEPTHSCOPE_PACKED_GEMM=0, takes at::mm as before. The entry points that run these
// kernels (packed_linear, gemm_rows, softmax_rows.h) throw UsageError when packed_gemm_enabled()
// is false, instead of faulting on a CPU without AVX-512.
//
// DEPTHSCOPE_PACKED_GEMM=portable runs the same arithmetic in plain C++ on any CPU (std::fma
// per k in the same order, the same exp and reductions): the same bits as the AVX-512 kernels
// (test PackedGemm.ThePortableKernelsGiveTheAvx512Bits), many times slower. It exists so that
// the packed-weight cache and the row paths are tested on machines without AVX-512.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>

namespace depthscope {

// W [N, K] in panels: for each block of k (k0, kc), panel p holds W[32p .. 32p+31][k0 .. k0+kc)
// as [kc][32] floats (columns past N are zero), the block's panels one after another.
struct PackedWeight {
  at::Tensor panels;  // [P * 32 * K] float32, P = ceil(N / 32)
  std::int64_t n = 0, k = 0, kc = 0;  // kc: the k-block length (the last block may be shorter)
};

// The kernels behind packed_linear, gemm_rows and softmax_rows.h: none (at::mm and ATen's
// softmax), avx512, avx2 (packed_gemm_avx2.h: 6 x 16 blocks in ymm registers, the same bits),
// or portable (see above). Read once from the environment: DEPTHSCOPE_PACKED_GEMM "0" none,
// "portable" portable; otherwise avx512 where the CPU has AVX-512F and DEPTHSCOPE_CPU_ISA is
// not "avx2" (core/runtime/cpu_isa.h), else avx2 where the CPU has AVX2 and FMA, else none.
enum class RowKernels { none, avx512, avx2, portable };
RowKernels row_kernels();
// "none", "avx512", "avx2", "portable".
const char* to_string(RowKernels k);
// Tests: switches the kernels for this process (avx512 and avx2 only where the CPU has them;
// false otherwise, nothing changed).
bool set_row_kernels(RowKernels k);

// True when row_kernels() is not none.
bool packed_gemm_enabled();

// Bytes of the packed copy of an [n, k] matrix (n rounded up to whole panels of 32).
std::int64_t packed_copy_bytes(std::int64_t n, std::int64_t k);

// Packs a contiguous float32 matrix [N, K].
PackedWeight pack_weight(const at::Tensor& w);
// Packs w [N, K], or its transpose [K, N] read in place when `transposed`, into `out`, reusing
// out's panels when they have the size (training packs the same weights at every step).
void pack_weight_into(const at::Tensor& w, bool transposed, PackedWeight& out);

// The packed copy of a long-lived weight, packed on first use and kept while w lives with
// the same data and version. Every in-place writer of a weight bumps its version counter:
// ATen's in-place ops do, and so does DepthScope's fused Adam, which writes through raw
// pointers (core/train/adam.cpp). An inference tensor has no version counter: one changed in
// place under InferenceMode keeps its stale copy, so weights are never made that way.
// Null when packed GEMMs are off, w is not a CPU float32 matrix, w requires grad, the packed
// copies would pass the cap (packed_weight_cap_bytes), or the copy cannot be allocated.
// Thread-safe; a weight is packed outside the cache's lock (other weights' lookups go on),
// and concurrent lookups of the weight being packed wait for that one packing.
std::shared_ptr<const PackedWeight> cached_packed_weight(const at::Tensor& w);

// Bytes held by cached packed weights (what the cache adds to a run's memory), counting
// those being packed.
std::int64_t packed_weight_bytes();

// The most the packed copies may hold: a quarter of what this process may use (physical
// memory, or its cgroup's limit when lower: core/runtime/memory.h memory_limit_bytes).
std::int64_t packed_weight_cap_bytes();
// Sets the cap (tests: a model that is only partly packed); bytes <= 0 restores the default.
// Copies already held stay.
void set_packed_weight_cap_bytes(std::int64_t bytes);

// Frees the packed copies whose weights are gone. Done whenever a weight is packed and when a
// Transformer is destroyed (core/model/transformer.cpp): closing a model frees its copies.
void drop_unused_packed_weights();

// y [M, N] (row stride ldy) = x [M, K] (row stride ldx) W^T (+ b [N] when b is not null).
// threads > 1 splits the column panels over that many threads (outside a parallel region).
void packed_linear(const float* x, std::int64_t M, std::int64_t ldx, const PackedWeight& w, const float* b, float* y,
                   std::int64_t ldy, int threads);
// y = x W^T (+ b) as packed_linear, for a weight [N, K] that is never packed whole: `rows`
// produces 32 rows at a time, rows(r0, r1, out, ld) writing rows r0 .. r1-1 as float32 into out,
// row i at out + i * ld (ld >= K); each thread packs one panel of them at a time into a buffer
// that stays in its L2 and runs the kernels over it, so a forward writes no float32 copy of the
// matrix to memory (GGUF blocks: quantised_weight.h). The same bits as packed_linear over
// pack_weight of the same rows. Called from the calling thread or the tensor threads as
// packed_linear is.
void streamed_packed_linear(const float* x, std::int64_t M, std::int64_t ldx, std::int64_t N, std::int64_t K,
                            const std::function<void(std::int64_t, std::int64_t, float*, std::int64_t)>& rows,
                            const float* b, float* y, std::int64_t ldy, int threads);

// y [M, N] = alpha x [M, K] wt, wt given as K rows of N floats (row stride ldw), on the
// calling thread, with the same kernel unpacked: the attention's small products (q k^T with
// k transposed, p v with v as it is). Needs packed_gemm_enabled().
void gemm_rows(const float* x, std::int64_t M, std::int64_t K, std::int64_t ldx, const float* wt, std::int64_t ldw,
               std::int64_t N, float alpha, float* y, std::int64_t ldy);

}  // namespace depthscope
