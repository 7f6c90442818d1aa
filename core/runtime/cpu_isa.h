#pragma once
// Which instruction set DepthScope's CPU kernels use, and a switch to take the AVX2 paths on an
// AVX-512 machine: DEPTHSCOPE_CPU_ISA=avx2 runs what a user of an AVX2-only CPU (AMD Zen 2/3,
// many Intel laptops) gets, with the same three choices such a CPU makes by itself:
//   - DepthScope's packed row kernels: AVX2 (core/model/packed_gemm.h, RowKernels::avx2);
//   - ATen's vectorised kernels: ATEN_CPU_CAPABILITY=avx2 (set unless the user set it);
//   - OpenBLAS's GEMM: its Haswell kernels (OpenBLAS re-initialised once, as threads.cpp does
//     for CPUs it does not know; unless the user set OPENBLAS_CORETYPE).
// DEPTHSCOPE_CPU_ISA=avx512 or unset: each picks the best the CPU has.
#include <string>

namespace depthscope {

// The value of DEPTHSCOPE_CPU_ISA: "" (unset), "avx2" or "avx512". Throws UsageError naming
// the variable for any other value.
std::string requested_cpu_isa();

// True when DEPTHSCOPE_CPU_ISA=avx2.
bool avx2_requested();

// Sets ATEN_CPU_CAPABILITY=avx2 when DEPTHSCOPE_CPU_ISA=avx2 and the user did not set it. ATen
// reads it once, at its first vectorised op: called by configure_blas (threads.h) before any.
void apply_cpu_isa_to_aten();

// ATen's CPU capability in effect: "default", "avx2", "avx512" (decided as ATen decides it).
std::string aten_cpu_capability();

// The ISA of DepthScope's own row kernels: "avx512", "avx2", "portable", or "none" (at::mm).
std::string row_kernel_isa();

}  // namespace depthscope
