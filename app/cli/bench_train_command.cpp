// depthscope-cli bench-train: training throughput of exactly what `depthscope-cli train` runs
// per step — core/train/train_step.h's train_step with trainable_parameters and Adam (lr 1e-3,
// no clipping, one micro-batch) — on a random Llama-style model (Transformer::random). The
// eager-PyTorch counterpart is tools/bench/train_baseline.py; tools/bench/train.sh runs both
// interleaved (docs/benchmarks.md, "Training throughput").
//
// Every step is timed on its own (wall and process CPU time) after --warmup-steps untimed
// steps; tokens/s = batch * seq / step time, reported for the fastest and the median step.
// --device cuda[:N] puts model, Adam state and batches on the GPU (a step is timed until the
// GPU has finished it); --dtype bf16 is the trainer's mixed precision. On a GPU the model
// FLOPs utilisation is printed beside tokens/s (core/train/training_flops.h: 6 N + 12 L H hd T
// FLOPs per token against the device's dense bf16 peak from NVIDIA's datasheets; a device
// not in that table prints no MFU unless --peak-tflops names its peak).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>

#include "app/cli/bench_process.h"
#include "app/cli/bench_support.h"
#include "app/cli/bench_train_run.h"
#include "app/cli/bench_train_matrix.h"
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/model/fused_attention.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/device.h"
#include "core/runtime/threads.h"
#include "core/runtime/torch_device.h"
#include "core/train/adam.h"
#include "core/train/presets.h"
#include "core/train/train_dtype.h"
#include "core/train/train_step.h"
#include "core/train/training_flops.h"

namespace depthscope::cli {


void add_bench_train_command(CLI::App& app) {
  struct Options {
    std::string preset, scheme = "pre";
    std::int64_t layers = 12, hidden = 256, heads = 4, ffn = 688, vocab = 256;
    std::int64_t batch = 4, seq = 256;
    int steps = 10, warmup = 2;
    double lr = 1e-3;
    std::uint64_t seed = 0;
    std::string device = "cpu", dtype = "f32";
    double peak_tflops = 0;
    bool json = false;
    bool matrix = false;
    TrainMatrixOptions m;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench-train", "Benchmark: tokens/s of a training step (train_step + Adam)");
  cmd->add_option("--preset", o->preset, "Model preset (depthscope-cli presets); its vocabulary unless --vocab");
  cmd->add_option("--scheme", o->scheme, "Norm scheme, with +gpas for the GPAS add-on (pre, lns, dyt, peri, pre+gpas, ...)")
      ->capture_default_str();
  auto* layers = cmd->add_option("--layers", o->layers)->capture_default_str();
  auto* hidden = cmd->add_option("--hidden", o->hidden)->capture_default_str();
  auto* heads = cmd->add_option("--heads", o->heads)->capture_default_str();
  auto* ffn = cmd->add_option("--ffn", o->ffn)->capture_default_str();
  auto* vocab = cmd->add_option("--vocab", o->vocab, "Vocabulary (256: bytes)")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Sequences per step")->capture_default_str();
  cmd->add_option("--seq", o->seq, "Tokens per sequence")->capture_default_str();
  cmd->add_option("--steps", o->steps, "Timed steps")->capture_default_str();
  cmd->add_option("--warmup-steps", o->warmup, "Untimed steps first")->capture_default_str();
  cmd->add_option("--lr", o->lr)->capture_default_str();
  cmd->add_option("--seed", o->seed)->capture_default_str();
  cmd->add_option("--device", o->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "f32, or bf16 (mixed precision, CUDA)")->capture_default_str();
  cmd->add_option("--peak-tflops", o->peak_tflops,
                  "The device's peak dense bf16 TFLOP/s for the MFU (default: NVIDIA's datasheet value for known GPUs)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_flag("--matrix", o->matrix, "DepthScope vs eager PyTorch over the training shapes of issue 25, taking turns");
  cmd->add_option("--rounds", o->m.rounds, "--matrix: runs of each side per shape (the fastest counts)")->capture_default_str();
  cmd->add_option("--python", o->m.python, "--matrix: interpreter of the PyTorch peer")->capture_default_str();
  cmd->add_option("--peer", o->m.peer, "--matrix: the peer script")->capture_default_str();
  cmd->add_option("--only", o->m.only, "--matrix: comma-separated row names");
  cmd->add_flag("--no-peer", o->m.no_peer, "--matrix: DepthScope only");
  cmd->add_flag("--avx2", o->m.avx2, "--matrix: the same rows again under DEPTHSCOPE_CPU_ISA=avx2 (AVX2 columns)");
  cmd->callback([o, layers, hidden, heads, ffn, vocab] {
    if (o->matrix) {
      if (o->device != "cpu") throw UsageError("--matrix compares CPU training; leave out --device");
      o->m.steps = o->steps;
      o->m.warmup = o->warmup;
      nlohmann::json result = run_train_matrix(o->m);
      if (o->m.avx2) {
        std::vector<std::string> args = {"--threads", std::to_string(threads()), "bench-train", "--matrix",
                                         "--rounds", std::to_string(o->m.rounds), "--steps", std::to_string(o->steps),
                                         "--warmup-steps", std::to_string(o->warmup), "--python", o->m.python,
                                         "--peer", o->m.peer};
        if (!o->m.only.empty()) args.insert(args.end(), {"--only", o->m.only});
        if (o->m.no_peer) args.push_back("--no-peer");
        add_avx2_columns(result, args);
      }
      std::cout << result.dump(2) << "\n";
      return;
    }
    if (o->steps < 1) throw UsageError("--steps must be at least 1");
    if (o->warmup < 0) throw UsageError("--warmup-steps must not be negative");
    if (o->batch < 1 || o->seq < 1) throw UsageError("--batch and --seq must be at least 1");
    const ComputeDevice device = require_device(o->device);  // "cuda" -> cuda:0
    const TrainDtype dtype = parse_train_dtype(o->dtype);
    if (const std::string problem = train_dtype_problem(dtype, device); !problem.empty()) throw UsageError("--dtype " + problem);
    // The model as the trainer builds it: a preset (or explicit shape), context = seq.
    ModelConfig c;
    if (!o->preset.empty()) {
      c = preset_config(o->preset);
    } else {
      c.family = ModelFamily::llama;
      c.tie_word_embeddings = false;
    }
    if (o->preset.empty() || layers->count() > 0) c.num_layers = o->layers;
    if (o->preset.empty() || hidden->count() > 0) c.hidden_size = o->hidden;
    if (o->preset.empty() || heads->count() > 0) c.num_heads = c.num_kv_heads = o->heads;
    if (o->preset.empty() || ffn->count() > 0) c.intermediate_size = o->ffn;
    if (o->preset.empty() || vocab->count() > 0) c.vocab_size = o->vocab;
    c.max_position = o->seq;
    const SchemeChoice scheme = parse_scheme_choice(o->scheme);
    c.norm_scheme = scheme.scheme;
    c.gpas = scheme.gpas;
    c.validate();

    TrainBenchSpec spec;
    spec.config = c;
    spec.batch = o->batch;
    spec.seq = o->seq;
    spec.steps = o->steps;
    spec.warmup = o->warmup;
    spec.lr = o->lr;
    spec.seed = o->seed;
    spec.device = device;
    spec.dtype = dtype;
    const TrainBenchResult r = run_train_bench(spec);
    const std::vector<double>& wall = r.wall;
    const std::vector<double>& losses = r.losses;
    const double tokens = static_cast<double>(o->batch * o->seq);
    const double best = r.best(), med = r.median(), cpu_total = r.cpu_total();
    // MFU on a GPU: the device's name from DepthScope's kernels (device_report), its peak from
    // the table in training_flops.cpp or --peak-tflops.
    std::string device_name = device.is_cuda() ? "" : "cpu";
    if (device.is_cuda()) {
      const DeviceReport report = device_report();
      if (device.index < static_cast<int>(report.devices.size()))
        device_name = report.devices[static_cast<std::size_t>(device.index)];
    }
    std::optional<DevicePeak> peak;
    if (o->peak_tflops > 0) peak = DevicePeak{o->peak_tflops * 1e12, device_name, "--peak-tflops"};
    else if (device.is_cuda()) peak = peak_bf16_flops(device_name);
    const double flops_per_token = training_flops_per_token(c, o->seq);
    nlohmann::json j = {{"impl", "depthscope"}, {"threads", threads()}, {"blas", blas_name()},
                        {"blas_kernels", openblas_kernels()}, {"libtorch", torch_version()},
                        {"preset", o->preset}, {"scheme", to_string(scheme)}, {"layers", c.num_layers}, {"hidden", c.hidden_size},
                        {"heads", c.num_heads}, {"ffn", c.intermediate_size}, {"vocab", c.vocab_size},
                        {"parameters", c.parameter_count()}, {"batch", o->batch}, {"seq", o->seq},
                        {"steps", o->steps}, {"warmup_steps", o->warmup}, {"step_seconds", wall},
                        {"min_step_s", best}, {"median_step_s", med}, {"tokens_per_s_best", tokens / best},
                        {"tokens_per_s_median", tokens / med}, {"cpu_seconds", cpu_total},
                        {"cpu_s_per_step", cpu_total / static_cast<double>(o->steps)},
                        {"first_loss", losses.front()}, {"last_loss", losses.back()},
                        {"device", device.name()}, {"device_name", device_name}, {"dtype", to_string(dtype)},
                        {"flops_per_token", flops_per_token},
                        {"attention", r.fused_attention ? "fused (scaled_dot_product_attention)" : "DepthScope causal_attention"}};
    j.update(process_kernels_json());
    j["minor_faults_per_step"] = static_cast<double>(r.minor_faults) / static_cast<double>(o->steps);
    if (peak) {
      j["peak_flops"] = peak->value;
      j["peak_source"] = peak->source;
      j["mfu_best"] = model_flops_utilization(tokens / best, flops_per_token, peak->value);
      j["mfu_median"] = model_flops_utilization(tokens / med, flops_per_token, peak->value);
    }
    if (o->json) {
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::printf("bench-train: %lld layers x %lld, FFN %lld, %lld heads, vocab %lld (%lld parameters), %lld x %lld tokens\n",
                static_cast<long long>(c.num_layers), static_cast<long long>(c.hidden_size),
                static_cast<long long>(c.intermediate_size), static_cast<long long>(c.num_heads),
                static_cast<long long>(c.vocab_size), static_cast<long long>(c.parameter_count()),
                static_cast<long long>(o->batch), static_cast<long long>(o->seq));
    std::printf("threads %d, %s%s%s, LibTorch %s\n", threads(), blas_name().c_str(),
                openblas_kernels().empty() ? "" : ", kernels ", openblas_kernels().c_str(), torch_version().c_str());
    std::printf("step: min %.1f ms, median %.1f ms over %d steps (after %d warm-up)\n", 1e3 * best, 1e3 * med,
                o->steps, o->warmup);
    std::printf("device %s%s%s, %s, attention: %s\n", device.name().c_str(), device.is_cuda() ? " " : "",
                device.is_cuda() ? device_name.c_str() : "", to_string(dtype), j["attention"].get<std::string>().c_str());
    std::printf("tokens/s: %.0f (fastest step), %.0f (median step)\n", tokens / best, tokens / med);
    std::printf("model FLOPs per token: %.4g (6 N + 12 L H hd T, N = %lld matmul parameters)\n", flops_per_token,
                static_cast<long long>(matmul_parameter_count(c)));
    if (peak)
      std::printf("MFU: %.1f %% (fastest step), %.1f %% (median step) of %.0f TFLOP/s (%s)\n",
                  100 * model_flops_utilization(tokens / best, flops_per_token, peak->value),
                  100 * model_flops_utilization(tokens / med, flops_per_token, peak->value),
                  peak->value / 1e12, peak->source.c_str());
    else if (device.is_cuda())
      std::printf("MFU: not printed (no peak bf16 FLOP/s known for \"%s\"; give --peak-tflops)\n", device_name.c_str());
    std::printf("process CPU: %.2f s in all, %.1f ms per step\n", cpu_total,
                1e3 * cpu_total / static_cast<double>(o->steps));
    std::printf("loss: %.4f -> %.4f\n", losses.front(), losses.back());
    std::printf("kernels: DepthScope %s, ATen %s, OpenBLAS %s; malloc policy %s, %.0f minor page faults per step\n",
                row_kernel_isa().c_str(), aten_cpu_capability().c_str(), openblas_kernels().c_str(),
                malloc_policy_name().c_str(), j["minor_faults_per_step"].get<double>());
  });
}

}  // namespace depthscope::cli
