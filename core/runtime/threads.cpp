#include "core/runtime/threads.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace depthscope {

int hardware_cores() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int set_threads(int n) {
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
      if (line.find("openmp") != std::string::npos) return "OpenBLAS (OpenMP)";
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
