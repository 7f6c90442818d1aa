#pragma once
// Thread count and BLAS reporting. LibTorch starts with one thread on these machines, so
// DepthScope always sets the count explicitly (default: every core).
#include <string>

namespace depthscope {

// Once per process: let a dynamic-arch OpenBLAS that fell back to generic SSE3 kernels use
// the AVX2 / AVX-512 kernels the CPU supports (see threads.cpp), and apply DEPTHSCOPE_CPU_ISA
// (cpu_isa.h). Called by set_threads. Throws UsageError for an unknown DEPTHSCOPE_CPU_ISA.
void configure_blas();
// n <= 0 means all cores. Returns the count now in effect.
int set_threads(int n = 0);
int threads();
int hardware_cores();
// "OpenBLAS (OpenMP)", "reference BLAS (slow)", "MKL", ... read from the loaded libraries.
std::string blas_name();
std::string torch_version();
}  // namespace depthscope
