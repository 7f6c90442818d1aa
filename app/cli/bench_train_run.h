#pragma once
// One bench-train measurement (app/cli/bench_train_command.cpp, bench_train_matrix.cpp): what
// `depthscope-cli train` runs per step -- train_step with trainable_parameters and Adam (no
// clipping, one micro-batch) -- on a random model of the given config, every step timed on
// its own after the warm-up steps.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/runtime/device.h"
#include "core/train/train_dtype.h"

namespace depthscope::cli {

struct TrainBenchSpec {
  ModelConfig config;
  std::int64_t batch = 4, seq = 256;
  int steps = 10, warmup = 2;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  ComputeDevice device;  // default: cpu
  TrainDtype dtype = TrainDtype::f32;
};

struct TrainBenchResult {
  std::vector<double> wall, cpu;  // per timed step, seconds
  std::vector<double> losses;     // every step, warm-up included
  long minor_faults = 0;          // in the timed steps
  bool fused_attention = false;   // scaled_dot_product_attention (GPU) rather than DepthScope's
  double best() const;            // fastest step
  double median() const;
  double cpu_total() const;
};

TrainBenchResult run_train_bench(const TrainBenchSpec& spec);

}  // namespace depthscope::cli
