#include "core/runtime/threads.h"

#include "core/runtime/cpu_isa.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace depthscope {

namespace {

// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Intel server CPUs and falls back to
// its "Prescott" (SSE3) kernels: 5x slower than its SkylakeX kernels on the same AVX-512
// machine (measured: docs/benchmarks.md). OpenBLAS picks its kernels in a library constructor,
// before main, so DepthScope re-runs that choice once at start-up through OpenBLAS's own
// exported gotoblas_dynamic_quit / gotoblas_dynamic_init, with OPENBLAS_CORETYPE set to what
// the CPU supports. Nothing happens when the user set OPENBLAS_CORETYPE, when the BLAS is
// not a dynamic-arch OpenBLAS, or when OpenBLAS already chose a modern kernel.
std::string g_blas_kernel_note;

void retune_openblas_kernels() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  const bool avx2_only = avx2_requested();  // DEPTHSCOPE_CPU_ISA=avx2 (cpu_isa.h)
  using CoreName = char* (*)();
  using Hook = void (*)();
  auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto quit = reinterpret_cast<Hook>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"));
  auto init = reinterpret_cast<Hook>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
  if (corename == nullptr || quit == nullptr || init == nullptr) return;
  const std::string chosen = corename();
  const bool old = chosen == "Prescott" || chosen == "Core2" || chosen == "Nehalem" || chosen == "Sandybridge";
  if (!old && !(avx2_only && chosen != "Haswell" && chosen != "Zen")) return;
  __builtin_cpu_init();
  const char* better = nullptr;
  if (!avx2_only && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    better = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    better = "Haswell";
  if (better == nullptr) return;
  setenv("OPENBLAS_CORETYPE", better, 0);
  quit();
  init();
  unsetenv("OPENBLAS_CORETYPE");  // child processes make their own choice
  g_blas_kernel_note = std::string(corename()) + " kernels";
}

}  // namespace

void configure_blas() {
  static std::once_flag once;
  std::call_once(once, [] {
    apply_cpu_isa_to_aten();
    retune_openblas_kernels();
  });
}

int hardware_cores() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int set_threads(int n) {
  configure_blas();
  if (n <= 0) {
    // DEPTHSCOPE_THREADS overrides the default of "every core".
    if (const char* env = std::getenv("DEPTHSCOPE_THREADS")) n = std::atoi(env);
    if (n <= 0) n = hardware_cores();
  }
  at::set_num_threads(n);
  return at::get_num_threads();
}

int threads() { return at::get_num_threads(); }

std::string blas_name() {
  // The BLAS is whatever libblas.so.3 resolved to (Debian alternatives); read it from the maps.
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool reference = false;
  while (std::getline(maps, line)) {
    if (line.find("openblas") != std::string::npos) {
      const std::string kernels = g_blas_kernel_note.empty() ? "" : ", " + g_blas_kernel_note;
      if (line.find("openmp") != std::string::npos) return "OpenBLAS (OpenMP" + kernels + ")";
      if (line.find("pthread") != std::string::npos) return "OpenBLAS (pthreads)";
      return "OpenBLAS";
    }
    if (line.find("libmkl") != std::string::npos) return "MKL";
    if (line.find("blis") != std::string::npos) return "BLIS";
    if (line.find("/blas/libblas.so") != std::string::npos) reference = true;
  }
  return reference ? "reference BLAS (slow: install libopenblas0-openmp)" : "built-in";
}

std::string torch_version() {
  return TORCH_VERSION;
}

}  // namespace depthscope
