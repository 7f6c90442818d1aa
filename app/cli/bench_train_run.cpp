#include "app/cli/bench_train_run.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "app/cli/bench_support.h"
#include "core/model/fused_attention.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/malloc_policy.h"
#include "core/runtime/torch_device.h"
#include "core/train/adam.h"
#include "core/train/train_step.h"

namespace depthscope::cli {

double TrainBenchResult::best() const { return *std::min_element(wall.begin(), wall.end()); }

double TrainBenchResult::median() const {
  std::vector<double> v = wall;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double TrainBenchResult::cpu_total() const { return std::accumulate(cpu.begin(), cpu.end(), 0.0); }

TrainBenchResult run_train_bench(const TrainBenchSpec& spec) {
  // Initialised and drawn on the CPU (the same weights and batches on every device), then moved.
  const at::Device where = torch_device(spec.device);
  Transformer model = Transformer::random(spec.config, spec.seed);
  if (spec.device.is_cuda()) model = model_on(model, where);
  const NamedParams params = trainable_parameters(model);
  Adam adam(params, AdamOptions{});
  at::Generator gen = at::detail::createCPUGenerator(spec.seed + 1);
  std::vector<at::Tensor> batches;  // one [B, T+1] batch per step, drawn before timing
  for (int s = 0; s < spec.warmup + spec.steps; ++s)
    batches.push_back(at::randint(0, spec.config.vocab_size, {spec.batch, spec.seq + 1}, gen, at::kLong).to(where));

  TrainBenchResult r;
  r.fused_attention = fused_attention_available(params.front().second);
  for (int s = 0; s < spec.warmup + spec.steps; ++s) {
    const long f0 = minor_page_faults();
    const double c0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    const StepOutcome out = train_step(model, params, adam, spec.lr, /*clip=*/0, /*accumulate=*/1,
                                       [&](std::int64_t) { return batches[static_cast<std::size_t>(s)]; }, nullptr, {},
                                       {}, nullptr, spec.dtype);
    wait_for_device(where);  // Adam's update is queued after the loss was read
    const double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.losses.push_back(out.loss);
    if (s < spec.warmup) continue;
    r.wall.push_back(w);
    r.cpu.push_back(cpu_now() - c0);
    r.minor_faults += minor_page_faults() - f0;
  }
  return r;
}

}  // namespace depthscope::cli
