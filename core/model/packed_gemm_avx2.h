#pragma once
// The packed GEMM's AVX2 kernel (packed_gemm.cpp, RowKernels::avx2): the CPUs without AVX-512
// (AMD Zen 2/3, many Intel laptops). 16 ymm registers hold 6 rows x 16 columns of accumulators
// (12), two vectors of W and one broadcast of x, where AVX-512's kernel holds 8 x 32.
//
// The arithmetic is kernel_8x32's: per element one fused multiply-add per k in increasing k
// from 0, then alpha, the value already in c, the bias, in that order. The same bits as the
// AVX-512 and portable kernels (test PackedGemm.TheAvx2KernelsGiveTheAvx512Bits).
#include <cstdint>

namespace depthscope {

// True where the CPU runs AVX2 and FMA.
bool cpu_has_avx2_fma();

// c[r][0..cols) (+)= alpha * sum over k < kc of x[r * ldx + k] * w[k * ldw + 0..cols) for r <
// rows, with cols <= 32: w is one panel [kc][ldw] (ldw >= 32, columns past `cols` readable and
// zero) when `padded`, else exactly `cols` readable floats per k. accumulate: add c's value;
// b (not null): + b[0..cols) last.
void avx2_panel_rows(std::int64_t kc, const float* x, std::int64_t rows, std::int64_t ldx, const float* w,
                     std::int64_t ldw, float* c, std::int64_t ldc, bool accumulate, float alpha, std::int64_t cols,
                     const float* b, bool padded);

}  // namespace depthscope
