// depthscope-cli bench-gemm: GFLOP/s of the packed GEMM kernel (core/model/packed_gemm.h) against
// at::mm (OpenBLAS) on the forward's shapes, y [M, N] = x [M, K] W^T with W packed once; on the
// calling thread (--threads 1 for a per-core figure). Under DEPTHSCOPE_CPU_ISA=avx2 both sides
// run their AVX2 kernels. tools/bench/onednn_matmul.cpp is oneDNN's counterpart
// (docs/benchmarks.md, "The packed GEMM kernels against OpenBLAS and oneDNN").
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/cli/bench_support.h"
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/model/packed_gemm.h"
#include "core/runtime/threads.h"

namespace depthscope::cli {

namespace {

// GFLOP/s of f: 2 M N K flops, fastest of `iters` calls after one untimed.
template <class F>
double gflops(std::int64_t M, std::int64_t K, std::int64_t N, int iters, F f) {
  f();
  double best = 1e300;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * static_cast<double>(M * N * K) / best / 1e9;
}

}  // namespace

void add_bench_gemm_command(CLI::App& app) {
  auto iters = std::make_shared<int>(20);
  auto* cmd = app.add_subcommand("bench-gemm", "Benchmark: the packed GEMM kernel against at::mm (OpenBLAS), GFLOP/s");
  cmd->add_option("--iters", *iters, "Calls per shape (fastest counts)")->capture_default_str();
  cmd->callback([iters] {
    if (*iters < 1) throw UsageError("--iters must be at least 1");
    if (!packed_gemm_enabled())
      throw UsageError("bench-gemm: the packed kernels are off (no AVX-512 or AVX2, or DEPTHSCOPE_PACKED_GEMM=0)");
    nlohmann::json j = {{"threads", threads()}, {"blas", blas_name()}, {"iters", *iters}};
    j.update(process_kernels_json());
    std::cerr << "| M x K x N | packed " << row_kernel_isa() << " GFLOP/s | at::mm (OpenBLAS " << openblas_kernels()
              << ") GFLOP/s |\n|---|---|---|\n";
    at::Generator gen = at::detail::createCPUGenerator(0);
    for (const auto& s : std::vector<std::array<std::int64_t, 3>>{
             {128, 256, 688}, {96, 256, 256}, {128, 688, 256}, {256, 768, 2048}, {64, 256, 8192}}) {
      const std::int64_t M = s[0], K = s[1], N = s[2];
      const at::Tensor x = at::randn({M, K}, gen), w = at::randn({N, K}, gen);  // [M, K], [N, K]
      at::Tensor y = at::empty({M, N});                                          // [M, N]
      const PackedWeight p = pack_weight(w);
      const double packed = gflops(M, K, N, *iters, [&] {
        packed_linear(x.data_ptr<float>(), M, K, p, nullptr, y.data_ptr<float>(), N, threads());
      });
      const double mm = gflops(M, K, N, *iters, [&] { at::mm_out(y, x, w.t()); });
      j["rows"].push_back({{"m", M}, {"k", K}, {"n", N}, {"packed_gflops", packed}, {"at_mm_gflops", mm}});
      std::fprintf(stderr, "| %lld x %lld x %lld | %.1f | %.1f |\n", static_cast<long long>(M),
                   static_cast<long long>(K), static_cast<long long>(N), packed, mm);
    }
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace depthscope::cli
