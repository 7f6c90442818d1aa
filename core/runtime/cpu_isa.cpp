#include "core/runtime/cpu_isa.h"

#include <cstdlib>

#include "core/error.h"
#include "core/model/packed_gemm.h"

namespace depthscope {

std::string requested_cpu_isa() {
  const char* env = std::getenv("DEPTHSCOPE_CPU_ISA");
  const std::string isa = env == nullptr ? "" : env;
  if (isa.empty() || isa == "avx2" || isa == "avx512") return isa;
  throw UsageError("DEPTHSCOPE_CPU_ISA=" + isa + ": expected avx2 or avx512 (or unset: the best the CPU has)");
}

bool avx2_requested() { return requested_cpu_isa() == "avx2"; }

void apply_cpu_isa_to_aten() {
  if (avx2_requested()) setenv("ATEN_CPU_CAPABILITY", "avx2", /*overwrite=*/0);
}

// LibTorch does not export its get_cpu_capability: the same decision, as ATen 1.13 makes it
// (ATen/native/DispatchStub.cpp): ATEN_CPU_CAPABILITY when set to a known value, else AVX-512
// with F, BW, VL, DQ and FMA, else AVX2 with FMA, else default.
std::string aten_cpu_capability() {
  const char* env = std::getenv("ATEN_CPU_CAPABILITY");
  const std::string set = env == nullptr ? "" : env;
  if (set == "default" || set == "avx2" || set == "avx512") return set;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma"))
    return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
#endif
  return "default";
}

std::string row_kernel_isa() { return to_string(row_kernels()); }

}  // namespace depthscope
