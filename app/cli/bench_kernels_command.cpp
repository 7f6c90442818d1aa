// depthscope-cli bench-kernels: memory bandwidth of DepthScope's fused statistics kernel
// (kernels/token_stats.cu through core/analysis/row_stats.h's token_stats) on a [rows, d]
// activation and a second one (the pass the layer statistics make per layer: mean, variance,
// squared norms and the dot product for cosine / angular distance / Block Influence), against
// the same five statistics from plain ATen ops (what an eager PyTorch user writes).
//
// Bytes moved = both inputs read once + five float64 outputs written; GB/s = bytes / time of the
// fastest of --iters runs after --warmup (each run waits for the GPU). The kernel is timed alone
// (outputs preallocated) and through core's token_stats (allocation, float64 results). The % of peak is against
// the device's memory bandwidth from NVIDIA's datasheets (core/runtime/device_peaks.h), or
// --peak-gbs; an unknown device prints no percentage.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>

#include "app/cli/commands.h"
#include "core/analysis/row_stats.h"
#include "core/error.h"
#include "core/runtime/device.h"
#include "core/runtime/device_peaks.h"
#include "core/runtime/kernel_dispatch.h"
#include "core/runtime/kernel_dispatch_gate.h"
#include "core/runtime/torch_device.h"
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/token_stats.h"
#endif

namespace depthscope::cli {

namespace {

// Seconds of the fastest of `iters` runs of f after `warmup` runs, each waited for.
template <class F>
double fastest(int warmup, int iters, const at::Device& dev, const F& f) {
  double best = 1e300;
  for (int i = 0; i < warmup + iters; ++i) {
    wait_for_device(dev);
    const auto t0 = std::chrono::steady_clock::now();
    f();
    wait_for_device(dev);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (i >= warmup) best = std::min(best, s);
  }
  return best;
}

// One launch of the fused statistics kernel on x and y into preallocated float64 outputs.
std::function<void()> raw_kernel(const at::Tensor& x, const at::Tensor& y) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  const auto type = kernel_element_type(x.scalar_type());
  if (!type) throw UsageError("bench-kernels: the kernels do not read this dtype");
  const std::int64_t rows = x.size(0), d = x.size(1);
  const at::Tensor out = at::empty({5, rows}, x.options().dtype(at::kDouble));  // mean, var, |x|^2, x.y, |y|^2
  double* o = out.data_ptr<double>();
  const kernels::TokenStatsOutput outputs{o, o + rows, o + 2 * rows, o + 3 * rows, o + 4 * rows};
  const int device = kernel_device_index(x);
  void* stream = kernel_stream(x);
  return [=] {
    check_kernel(kernels::token_stats_device(*type, x.data_ptr(), y.data_ptr(), rows, d, outputs, device, stream),
                 "bench-kernels");
  };
#else
  return [x, y] { (void)token_stats(x, y); };  // not reached: the command needs the kernels
#endif
}

}  // namespace

void add_bench_kernels_command(CLI::App& app) {
  struct Options {
    std::string device = "cuda", dtype = "f32";
    std::int64_t rows = 262144, d = 768;  // 1024 sequences x 256 tokens of LLaMA-130M's width: 0.8 GB of f32 per input
    int iters = 20, warmup = 3;
    double peak_gbs = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench-kernels", "Benchmark: memory bandwidth of the fused statistics kernel (CUDA)");
  cmd->add_option("--device", o->device, "cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "Activation dtype: f32, bf16 or f16")->capture_default_str();
  cmd->add_option("--rows", o->rows, "Tokens")->capture_default_str();
  cmd->add_option("--d", o->d, "Width")->capture_default_str();
  cmd->add_option("--iters", o->iters)->capture_default_str();
  cmd->add_option("--warmup", o->warmup)->capture_default_str();
  cmd->add_option("--peak-gbs", o->peak_gbs, "The device's memory bandwidth in GB/s (default: datasheet value for known GPUs)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] {
    if (o->rows < 1 || o->d < 1 || o->iters < 1 || o->warmup < 0)
      throw UsageError("--rows, --d and --iters must be at least 1, --warmup not negative");
    const ComputeDevice device = require_device(o->device);
    if (!device.is_cuda()) throw UsageError("bench-kernels measures the CUDA kernels: --device cuda[:N]");
    const at::ScalarType type = o->dtype == "f32" ? at::kFloat : o->dtype == "bf16" ? at::kBFloat16
                                : o->dtype == "f16" ? at::kHalf : throw UsageError("--dtype must be f32, bf16 or f16");
    const at::Device dev = torch_device(device);
    const at::Tensor x = at::randn({o->rows, o->d}, at::TensorOptions().device(dev)).to(type) + 3.0;  // [rows, d]
    const at::Tensor y = at::randn({o->rows, o->d}, at::TensorOptions().device(dev)).to(type);        // [rows, d]
    if (kernel_device_gate() == nullptr)
      throw UsageError("this build has no DepthScope CUDA kernels (configure with nvcc present, -DDEPTHSCOPE_CUDA=ON)");
    if (!kernels_apply(x))
      throw UsageError(kernel_fallback_message(kernel_device_index(x), kernel_device_gate()->why_not(kernel_device_index(x))));
    at::NoGradGuard no_grad;

    // The kernel alone (preallocated outputs), and through core's token_stats as the layer
    // statistics call it (allocation and the float64 widening of the results included).
    const double kernel_s = fastest(o->warmup, o->iters, dev, raw_kernel(x, y));
    const double wrapper_s = fastest(o->warmup, o->iters, dev, [&] { (void)token_stats(x, y); });
    // The same five statistics from ATen ops, accumulated in float32 (the kernel: float64).
    const double aten_s = fastest(o->warmup, o->iters, dev, [&] {
      const at::Tensor xf = x.to(at::kFloat), yf = y.to(at::kFloat);  // [rows, d]
      (void)xf.mean({1});
      (void)xf.var({1}, /*unbiased=*/false);
      (void)(xf * xf).sum({1});
      (void)(xf * yf).sum({1});
      (void)(yf * yf).sum({1});
    });
    const double bytes = 2.0 * static_cast<double>(x.numel()) * static_cast<double>(x.element_size()) +
                         5.0 * 8.0 * static_cast<double>(o->rows);
    const DeviceReport report = device_report();
    const std::string name = device.index < static_cast<int>(report.devices.size())
                                 ? report.devices[static_cast<std::size_t>(device.index)]
                                 : std::string();
    std::optional<DevicePeak> peak;
    if (o->peak_gbs > 0) peak = DevicePeak{o->peak_gbs * 1e9, name, "--peak-gbs"};
    else peak = peak_memory_bandwidth(name);
    const double gbs = bytes / kernel_s / 1e9, aten_gbs = bytes / aten_s / 1e9;
    nlohmann::json j = {{"device", device.name()}, {"device_name", name}, {"dtype", o->dtype},
                        {"rows", o->rows}, {"d", o->d}, {"bytes", bytes}, {"kernel_s", kernel_s},
                        {"kernel_gb_per_s", gbs}, {"wrapper_s", wrapper_s}, {"wrapper_gb_per_s", bytes / wrapper_s / 1e9},
                        {"aten_s", aten_s}, {"aten_gb_per_s", aten_gbs},
                        {"speedup_vs_aten", aten_s / kernel_s}};
    if (peak) {
      j["peak_gb_per_s"] = peak->value / 1e9;
      j["peak_source"] = peak->source;
      j["kernel_fraction_of_peak"] = gbs * 1e9 / peak->value;
    }
    if (o->json) {
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::printf("bench-kernels: token statistics of two [%lld, %lld] %s activations on %s %s\n",
                static_cast<long long>(o->rows), static_cast<long long>(o->d), o->dtype.c_str(),
                device.name().c_str(), name.c_str());
    std::printf("fused kernel: %.3f ms, %.0f GB/s", 1e3 * kernel_s, gbs);
    if (peak) std::printf(" = %.1f %% of %.0f GB/s (%s)", 100 * gbs * 1e9 / peak->value, peak->value / 1e9, peak->source.c_str());
    std::printf("\nthrough token_stats: %.3f ms, %.0f GB/s", 1e3 * wrapper_s, bytes / wrapper_s / 1e9);
    std::printf("\nATen ops:     %.3f ms, %.0f GB/s (kernel %.2fx faster)\n", 1e3 * aten_s, aten_gbs, aten_s / kernel_s);
    if (!peak) std::printf("(no memory bandwidth known for \"%s\"; give --peak-gbs for a percentage)\n", name.c_str());
  });
}

}  // namespace depthscope::cli
