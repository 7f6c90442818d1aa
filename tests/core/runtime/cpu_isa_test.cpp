// DEPTHSCOPE_CPU_ISA (core/runtime/cpu_isa.h): the kernels a process reports are the ones it
// runs. ctest runs this suite plain and once more with DEPTHSCOPE_CPU_ISA=avx2 (label core-avx2).
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/model/packed_gemm.h"
#include "core/runtime/cpu_isa.h"
#include "core/runtime/threads.h"

namespace depthscope {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string openblas_core() {
  using CoreName = char* (*)();
  auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return corename == nullptr ? "" : corename();
}

bool cpu_has_avx512f() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

bool cpu_has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

TEST(CpuIsa, TheAvx2SwitchTakesEveryAvx2Path) {
  if (env("DEPTHSCOPE_CPU_ISA") != "avx2") GTEST_SKIP() << "runs under DEPTHSCOPE_CPU_ISA=avx2 (ctest label core-avx2)";
  if (!cpu_has_avx2_fma()) GTEST_SKIP() << "no AVX2 and FMA on this CPU";
  set_threads(0);  // configure_blas: ATen's capability and OpenBLAS's kernels
  if (env("DEPTHSCOPE_PACKED_GEMM").empty()) EXPECT_EQ(row_kernel_isa(), "avx2");
  EXPECT_EQ(env("ATEN_CPU_CAPABILITY"), "avx2");
  EXPECT_EQ(aten_cpu_capability(), "avx2");
  const std::string core = openblas_core();
  if (!core.empty() && env("OPENBLAS_CORETYPE").empty()) EXPECT_EQ(core, "Haswell");
}

TEST(CpuIsa, WithoutTheSwitchTheBestKernelsRun) {
  if (!env("DEPTHSCOPE_CPU_ISA").empty() || !env("DEPTHSCOPE_PACKED_GEMM").empty())
    GTEST_SKIP() << "runs with DEPTHSCOPE_CPU_ISA and DEPTHSCOPE_PACKED_GEMM unset";
  const std::string expected = cpu_has_avx512f() ? "avx512" : cpu_has_avx2_fma() ? "avx2" : "none";
  EXPECT_EQ(row_kernel_isa(), expected);
  EXPECT_EQ(to_string(row_kernels()), expected);
}

TEST(CpuIsa, AnUnknownValueIsRefusedByName) {
  const std::string before = env("DEPTHSCOPE_CPU_ISA");
  setenv("DEPTHSCOPE_CPU_ISA", "sse9", 1);
  try {
    requested_cpu_isa();
    ADD_FAILURE() << "DEPTHSCOPE_CPU_ISA=sse9 was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("DEPTHSCOPE_CPU_ISA=sse9"), std::string::npos) << e.what();
  }
  setenv("DEPTHSCOPE_CPU_ISA", "avx512", 1);
  EXPECT_EQ(requested_cpu_isa(), "avx512");
  if (before.empty()) unsetenv("DEPTHSCOPE_CPU_ISA");
  else setenv("DEPTHSCOPE_CPU_ISA", before.c_str(), 1);
}

}  // namespace
}  // namespace depthscope
