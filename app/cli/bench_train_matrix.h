#pragma once
// depthscope-cli bench-train --matrix (issue 25): training tokens/s of DepthScope and of eager
// PyTorch (tools/bench/train_baseline.py, one process per run) over a matrix of shapes, taking
// turns round by round (fastest step of each run, best run of each side), with the machine's
// sgemm limit measured in the same run (OpenBLAS through at::mm on 2048^3, before and after the
// rows, the faster counts) and each row's share of it. Both sides run the same OpenBLAS kernels
// and the same malloc policy (`keep`; Python through GLIBC_TUNABLES). --avx2 runs the matrix
// again in a child under DEPTHSCOPE_CPU_ISA=avx2 (ATen AVX2, OpenBLAS Haswell on both sides).
#include <nlohmann/json.hpp>

#include <string>

namespace depthscope::cli {

struct TrainMatrixOptions {
  std::string python = "/usr/bin/python3";
  std::string peer = "tools/bench/train_baseline.py";  // relative to the working directory
  int rounds = 2;  // DepthScope, then PyTorch, per round
  int steps = 4, warmup = 2;
  std::string only;  // comma-separated row names; empty: every row
  bool no_peer = false;
  bool avx2 = false;
};

// Runs the matrix and returns {"rows": [...], "sgemm_gflops": ..., ...}; prints a Markdown table
// to stderr as it goes.
nlohmann::json run_train_matrix(const TrainMatrixOptions& options);

// The machine's sgemm limit: GFLOP/s of at::mm on two [2048, 2048] float32 matrices on the
// tensor threads, fastest of `reps`.
double sgemm_gflops(int reps = 3);

}  // namespace depthscope::cli
