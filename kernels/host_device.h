#pragma once
// DS_HOST_DEVICE marks the kernels' arithmetic (kernels/*_math.h) so that nvcc compiles it for
// the GPU and the host, and g++ compiles the same text for the CPU tests (tests/core/kernels),
// which check it against float64 references without a GPU.
//
// Bit-for-bit agreement between the two needs the same operations in the same order: the
// kernels are compiled with --fmad=false (kernels/CMakeLists.txt) and the CPU tests with
// -ffp-contract=off, so a fused multiply-add happens only where it is written (ds_fma), and
// division and square root are the IEEE ones on both (nvcc's defaults -prec-div and -prec-sqrt;
// never rsqrtf or --use_fast_math).
#include <cmath>

#if defined(__CUDACC__)
#define DS_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define DS_HOST_DEVICE inline
#endif

namespace depthscope::kernels::math {

DS_HOST_DEVICE float ds_fma(float a, float b, float c) { return ::fmaf(a, b, c); }
DS_HOST_DEVICE double ds_fma(double a, double b, double c) { return ::fma(a, b, c); }
DS_HOST_DEVICE float ds_sqrt(float v) { return ::sqrtf(v); }
DS_HOST_DEVICE bool ds_isfinite(double v) { return v - v == 0.0; }  // false for +/-Inf and NaN

}  // namespace depthscope::kernels::math
