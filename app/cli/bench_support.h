#pragma once
// What the bench-* commands share: process CPU time, and the OpenBLAS kernels this process runs
// (so a Python baseline can be started with the same OPENBLAS_CORETYPE).
#include <dlfcn.h>
#include <time.h>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "core/runtime/cpu_isa.h"
#include "core/runtime/malloc_policy.h"

namespace depthscope::cli {

// The process CPU time in seconds: with --threads 1 it measures the work itself, independent
// of other processes competing for the cores.
inline double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// "SkylakeX", "Haswell", ...; "" when the BLAS is not OpenBLAS.
inline std::string openblas_kernels() {
  using CoreName = char* (*)();
  auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return corename == nullptr ? std::string() : std::string(corename());
}

// v with `decimals` digits after the point, for the bench commands' tables.
inline std::string format_fixed(double v, int decimals) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(decimals);
  os << v;
  return os.str();
}

// The instruction sets of the kernels this process runs (core/runtime/cpu_isa.h): DepthScope's
// row kernels ("cpu_isa"), ATen's vectorised ops, OpenBLAS's GEMM; and its malloc policy
// (core/runtime/malloc_policy.h).
inline nlohmann::json process_kernels_json() {
  return {{"cpu_isa", row_kernel_isa()}, {"aten_cpu_capability", aten_cpu_capability()},
          {"blas_kernels", openblas_kernels()}, {"malloc_policy", malloc_policy_name()}};
}

}  // namespace depthscope::cli
