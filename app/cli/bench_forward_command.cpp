// depthscope-cli bench-forward: forward throughput of a random Llama-style model (the same
// config as tools/bench/forward_baseline.py), and the cost of the analyses relative to it:
//   --mode forward  tokens/s of Transformer::forward on [batch, ctx]
//   --mode stats    statistics-collecting forward vs plain forward over the same windows
//   --mode sweep    cached vs naive layer-removal sweep
//   --matrix        DepthScope vs an eager PyTorch peer over the shapes of issue 11
//                   (bench_forward_matrix.h; tools/bench/forward_matrix.sh makes the table)
//   --gguf FILE     DepthScope's forward on a GGUF file, [1, --ctx] (default 256), and with
//                   --peer llama.cpp llama.cpp's prompt processing of the same file and tokens
//                   (node-llama-cpp, tools/bench/llama_cpp_peer.mjs), interleaved
//                   (bench_forward_gguf.h)
//   --device        where the model runs (forward, stats, sweep); every timed run waits for
//                   the device's queued work before its clock stops
// Timings are the fastest of --iters runs after --warmup runs (the minimum is the robust
// estimate on a machine shared with other work; tools/bench/forward_baseline.py does the same).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <iostream>

#include "app/cli/analysis_input.h"
#include "app/cli/bench_forward_gguf.h"
#include "app/cli/bench_forward_matrix.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "app/cli/bench_process.h"
#include "app/cli/bench_support.h"
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/torch_device.h"
#include "core/runtime/threads.h"

namespace depthscope::cli {

namespace {

struct Timing {
  double wall = 1e300;  // fastest run, seconds
  double cpu = 1e300;   // least process CPU time of a run, seconds
};

Timing best_seconds(int warmup, int iters, const std::function<void()>& f) {
  for (int i = 0; i < warmup; ++i) f();
  Timing t;
  for (int i = 0; i < iters; ++i) {
    const double c0 = cpu_now();
    const auto start = std::chrono::steady_clock::now();
    f();
    t.wall = std::min(t.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    t.cpu = std::min(t.cpu, cpu_now() - c0);
  }
  return t;
}

// The fastest run of each candidate, the candidates interleaved (ABCABC...) so that a drift
// in machine speed (shared virtual CPUs) affects them alike.
std::vector<Timing> best_seconds_interleaved(int warmup, int iters, const std::vector<std::function<void()>>& fs) {
  std::vector<Timing> t(fs.size());
  for (int i = 0; i < warmup + iters; ++i)
    for (std::size_t k = 0; k < fs.size(); ++k) {
      const double c0 = cpu_now();
      const auto start = std::chrono::steady_clock::now();
      fs[k]();
      if (i < warmup) continue;
      t[k].wall = std::min(t[k].wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      t[k].cpu = std::min(t[k].cpu, cpu_now() - c0);
    }
  return t;
}

nlohmann::json timing_json(const Timing& t) { return {{"wall_s", t.wall}, {"cpu_s", t.cpu}}; }

}  // namespace

void add_bench_forward_command(CLI::App& app) {
  struct Options {
    ModelConfig config;
    std::int64_t ctx = 128, batch = 4;
    int iters = 5, warmup = 1;
    std::string mode = "forward";
    std::uint64_t seed = 0;
    std::int64_t kv_heads = 0;
    bool matrix = false, avx2 = false;
    MatrixOptions m;
    GgufBenchOptions g;
    std::string device = "cpu";
  };
  auto o = std::make_shared<Options>();
  o->config.num_layers = 6;
  o->config.hidden_size = 256;
  o->config.intermediate_size = 688;
  o->config.num_heads = 4;
  o->config.num_kv_heads = 4;
  o->config.vocab_size = 8192;
  o->config.max_position = 2048;
  o->config.tie_word_embeddings = false;
  auto* cmd = app.add_subcommand("bench-forward", "Benchmark: forward tokens/s, statistics overhead, cached vs naive sweep");
  cmd->add_option("--layers", o->config.num_layers)->capture_default_str();
  cmd->add_option("--hidden", o->config.hidden_size)->capture_default_str();
  cmd->add_option("--ffn", o->config.intermediate_size)->capture_default_str();
  cmd->add_option("--heads", o->config.num_heads)->capture_default_str();
  cmd->add_option("--vocab", o->config.vocab_size)->capture_default_str();
  auto* ctx_option = cmd->add_option("--ctx", o->ctx, "Tokens per sequence (--gguf: 256 unless given)")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Sequences per forward (forward mode) / windows (stats, sweep)")->capture_default_str();
  cmd->add_option("--iters", o->iters)->capture_default_str();
  cmd->add_option("--warmup", o->warmup)->capture_default_str();
  cmd->add_option("--mode", o->mode, "forward | stats | sweep")->capture_default_str();
  cmd->add_option("--seed", o->seed)->capture_default_str();
  cmd->add_option("--kv-heads", o->kv_heads, "Key/value heads (0: --heads)")->capture_default_str();
  add_device_option(cmd, o->device);
  cmd->add_flag("--matrix", o->matrix, "DepthScope vs eager PyTorch over the shapes of issue 11, interleaved");
  cmd->add_option("--reps", o->m.reps, "--matrix: forwards of each per shape (fastest counts)")->capture_default_str();
  cmd->add_option("--python", o->m.python, "--matrix: interpreter of the PyTorch peer")->capture_default_str();
  auto* peer_option = cmd->add_option("--peer", o->m.peer, "--matrix: the peer script; --gguf: llama.cpp (or its peer script)")->capture_default_str();
  cmd->add_option("--gguf", o->g.file, "DepthScope's forward on this GGUF file ([1, --ctx]); with --peer llama.cpp beside llama.cpp's")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--peer-all-logits", o->g.peer_all_logits, "--gguf: llama.cpp computes every position's logits too (as DepthScope does)");
  cmd->add_option("--node", o->g.node, "--gguf: the llama.cpp peer's node")->capture_default_str();
  cmd->add_option("--llama-cpp-dir", o->g.llama_cpp_dir, "--gguf: where node-llama-cpp is installed (default: the peer script's, /tmp/llamacpp)");
  cmd->add_option("--only", o->m.only, "--matrix: comma-separated row names");
  cmd->add_flag("--no-peer", o->m.no_peer, "--matrix: DepthScope only");
  cmd->add_flag("--avx2", o->avx2, "--matrix: the same rows again under DEPTHSCOPE_CPU_ISA=avx2 (AVX2 columns)");
  cmd->callback([o, ctx_option, peer_option] {
    const ComputeDevice device = require_device(o->device);
    if (o->matrix && device.is_cuda()) throw UsageError("--matrix compares CPU forwards; leave out --device");
    if (!o->g.file.empty()) {
      if (o->matrix || device.is_cuda()) throw UsageError("--gguf compares CPU forwards on one file; leave out --matrix and --device");
      o->g.peer = peer_option->count() > 0 ? o->m.peer : std::string();
      o->g.tokens = ctx_option->count() > 0 ? o->ctx : 256;
      o->g.reps = o->iters;
      o->g.warmup = o->warmup;
      std::cout << run_gguf_forward(o->g).dump(2) << "\n";
      return;
    }
    if (o->matrix) {
      o->m.warmup = o->warmup;
      nlohmann::json result = run_forward_matrix(o->m);
      if (o->avx2) {
        std::vector<std::string> args = {"--threads", std::to_string(threads()), "bench-forward", "--matrix",
                                         "--reps", std::to_string(o->m.reps), "--warmup", std::to_string(o->warmup),
                                         "--python", o->m.python, "--peer", o->m.peer};
        if (!o->m.only.empty()) args.insert(args.end(), {"--only", o->m.only});
        if (o->m.no_peer) args.push_back("--no-peer");
        add_avx2_columns(result, args);
      }
      std::cout << result.dump(2) << "\n";
      return;
    }
    if (o->iters < 1) throw UsageError("--iters must be at least 1");
    o->config.num_kv_heads = o->kv_heads > 0 ? o->kv_heads : o->config.num_heads;
    // Initialised on the CPU (the same weights on every device), then put on the device.
    const at::Device dev = torch_device(device);
    const Transformer model = model_on(Transformer::random(o->config, o->seed), dev);
    at::NoGradGuard no_grad;
    at::Generator gen = at::detail::createCPUGenerator(o->seed + 1);
    const at::Tensor cpu_tokens = at::randint(0, o->config.vocab_size, {o->batch, o->ctx}, gen, at::kLong);  // [B, T]
    const at::Tensor tokens = cpu_tokens.to(dev);  // [B, T] on the device, outside the timed runs
    const auto done = [&dev] { wait_for_device(dev); };  // CUDA work is asynchronous
    const std::vector<std::int64_t> flat(cpu_tokens.data_ptr<std::int64_t>(),
                                         cpu_tokens.data_ptr<std::int64_t>() + cpu_tokens.numel());
    const double n_tokens = static_cast<double>(tokens.numel());
    nlohmann::json j = {{"mode", o->mode}, {"device", device.name()}, {"threads", threads()}, {"blas", blas_name()}, {"libtorch", torch_version()},
                        {"layers", o->config.num_layers}, {"hidden", o->config.hidden_size},
                        {"ffn", o->config.intermediate_size}, {"heads", o->config.num_heads},
                        {"kv_heads", o->config.num_kv_heads},
                        {"vocab", o->config.vocab_size}, {"ctx", o->ctx}, {"batch", o->batch}};
    j.update(process_kernels_json());
    if (o->mode == "forward") {
      const Timing t = best_seconds(o->warmup, o->iters, [&] {
        model.forward(tokens);
        done();
      });
      j["seconds"] = t.wall;
      j["cpu_seconds"] = t.cpu;
      j["tokens_per_s"] = n_tokens / t.wall;
      j["tokens_per_cpu_s"] = n_tokens / t.cpu;
    } else if (o->mode == "stats") {
      // The same windows ([1, ctx] each) through a plain forward and through layer_statistics.
      // layer_statistics without the logit lens runs no head, so its reference is the plain
      // embed + blocks; the full statistics (a head per layer) are compared with forward().
      auto stats_run = [&](bool lens, bool angular) {
        LayerStatsOptions so;
        so.n_ctx = o->ctx;
        so.logit_lens = lens;
        so.angular = angular;
        return [&model, &flat, &done, so] {
          layer_statistics(model, flat, so);
          done();
        };
      };
      const std::vector<Timing> t = best_seconds_interleaved(o->warmup, o->iters, {
          [&] {
            for (std::int64_t b = 0; b < o->batch; ++b) model.forward(tokens.slice(0, b, b + 1));
            done();
          },
          [&] {
            for (std::int64_t b = 0; b < o->batch; ++b) {
              at::Tensor x = model.embed(tokens.slice(0, b, b + 1));  // [1, T, d]
              for (std::int64_t l = 1; l <= model.num_layers(); ++l) x = model.block(l, x);
            }
            done();
          },
          stats_run(false, false), stats_run(false, true), stats_run(true, true)});
      const Timing &plain = t[0], &plain_blocks = t[1], &probe_only = t[2], &with_angular = t[3], &full = t[4];
      j["plain_forward"] = timing_json(plain);
      j["plain_blocks"] = timing_json(plain_blocks);
      j["stats_probe_only"] = timing_json(probe_only);
      j["stats_probe_angular"] = timing_json(with_angular);
      j["stats_full"] = timing_json(full);
      j["overhead_probe_only_vs_blocks"] = {{"wall", probe_only.wall / plain_blocks.wall - 1.0},
                                            {"cpu", probe_only.cpu / plain_blocks.cpu - 1.0}};
      j["overhead_probe_angular_vs_blocks"] = {{"wall", with_angular.wall / plain_blocks.wall - 1.0},
                                               {"cpu", with_angular.cpu / plain_blocks.cpu - 1.0}};
      j["overhead_full_vs_forward"] = {{"wall", full.wall / plain.wall - 1.0}, {"cpu", full.cpu / plain.cpu - 1.0}};
    } else if (o->mode == "sweep") {
      // The cached sweep with its configurations spread over the threads (the default), the
      // same one after another, and the naive sweep; interleaved, fastest of --iters each.
      std::int64_t cached_passes = 0, naive_passes = 0;
      LayerRemovalSweep par, seq;
      auto sweep = [&](bool cached, bool parallel, LayerRemovalSweep* out, std::int64_t* passes) {
        return [&, cached, parallel, out, passes] {
          RemovalOptions ro;
          ro.windows.n_ctx = o->ctx;
          ro.cached = cached;
          ro.parallel = parallel;
          LayerRemovalSweep r = layer_removal_sweep(model, flat, ro);
          done();
          *passes = r.layer_passes;
          if (out) *out = std::move(r);
        };
      };
      const std::vector<Timing> t = best_seconds_interleaved(
          o->warmup, o->iters, {sweep(true, true, &par, &cached_passes), sweep(true, false, &seq, &cached_passes),
                                sweep(false, true, nullptr, &naive_passes)});
      const Timing &cached = t[0], &sequential = t[1], &naive = t[2];
      bool identical = par.baseline.loss == seq.baseline.loss && par.layers.size() == seq.layers.size();
      for (std::size_t i = 0; identical && i < par.layers.size(); ++i)
        identical = par.layers[i].score.loss == seq.layers[i].score.loss;
      j["cached"] = timing_json(cached);
      j["cached_sequential"] = timing_json(sequential);
      j["naive"] = timing_json(naive);
      j["sequential_over_parallel"] = {{"wall", sequential.wall / cached.wall}, {"cpu", sequential.cpu / cached.cpu}};
      j["parallel_equals_sequential"] = identical;
      double max_diff = 0;
      for (std::size_t i = 0; i < std::min(par.layers.size(), seq.layers.size()); ++i)
        max_diff = std::max(max_diff, std::abs(par.layers[i].score.loss - seq.layers[i].score.loss));
      j["parallel_max_abs_loss_difference"] = max_diff;
      j["cached_over_naive"] = {{"wall", cached.wall / naive.wall}, {"cpu", cached.cpu / naive.cpu}};
      j["cached_layer_passes"] = cached_passes;
      j["naive_layer_passes"] = naive_passes;
    } else {
      throw UsageError("--mode must be forward, stats or sweep (got '" + o->mode + "')");
    }
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace depthscope::cli
