// depthscope-cli bench-forward: forward throughput of a random Llama-style model (the same
// config as tools/bench/forward_baseline.py), and the cost of the analyses relative to it:
//   --mode forward  tokens/s of Transformer::forward on [batch, ctx]
//   --mode stats    statistics-collecting forward vs plain forward over the same windows
//   --mode sweep    cached vs naive layer-removal sweep
// Timings are the median of --iters runs after --warmup runs.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>

#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/cli/commands.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/runtime/threads.h"

namespace depthscope::cli {

namespace {

double median_seconds(int warmup, int iters, const std::function<void()>& f) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

void add_bench_forward_command(CLI::App& app) {
  struct Options {
    ModelConfig config;
    std::int64_t ctx = 128, batch = 4;
    int iters = 5, warmup = 1;
    std::string mode = "forward";
    std::uint64_t seed = 0;
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
  cmd->add_option("--ctx", o->ctx, "Tokens per sequence")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Sequences per forward (forward mode) / windows (stats, sweep)")->capture_default_str();
  cmd->add_option("--iters", o->iters)->capture_default_str();
  cmd->add_option("--warmup", o->warmup)->capture_default_str();
  cmd->add_option("--mode", o->mode, "forward | stats | sweep")->capture_default_str();
  cmd->add_option("--seed", o->seed)->capture_default_str();
  cmd->callback([o] {
    if (o->iters < 1) throw UsageError("--iters must be at least 1");
    o->config.num_kv_heads = o->config.num_heads;
    const Transformer model = Transformer::random(o->config, o->seed);
    at::NoGradGuard no_grad;
    at::Generator gen = at::detail::createCPUGenerator(o->seed + 1);
    const at::Tensor tokens = at::randint(0, o->config.vocab_size, {o->batch, o->ctx}, gen, at::kLong);  // [B, T]
    const std::vector<std::int64_t> flat(tokens.data_ptr<std::int64_t>(), tokens.data_ptr<std::int64_t>() + tokens.numel());
    const double n_tokens = static_cast<double>(tokens.numel());
    nlohmann::json j = {{"mode", o->mode}, {"threads", threads()}, {"blas", blas_name()}, {"libtorch", torch_version()},
                        {"layers", o->config.num_layers}, {"hidden", o->config.hidden_size},
                        {"ffn", o->config.intermediate_size}, {"heads", o->config.num_heads},
                        {"vocab", o->config.vocab_size}, {"ctx", o->ctx}, {"batch", o->batch}};
    if (o->mode == "forward") {
      const double s = median_seconds(o->warmup, o->iters, [&] { model.forward(tokens); });
      j["seconds"] = s;
      j["tokens_per_s"] = n_tokens / s;
    } else if (o->mode == "stats") {
      // The same windows ([1, ctx] each) through a plain forward and through layer_statistics.
      const double plain = median_seconds(o->warmup, o->iters, [&] {
        for (std::int64_t b = 0; b < o->batch; ++b) model.forward(tokens.slice(0, b, b + 1));
      });
      auto stats_time = [&](bool lens, bool angular) {
        LayerStatsOptions so;
        so.n_ctx = o->ctx;
        so.logit_lens = lens;
        so.angular = angular;
        return median_seconds(o->warmup, o->iters, [&] { layer_statistics(model, flat, so); });
      };
      const double probe_only = stats_time(false, false);
      const double with_angular = stats_time(false, true);
      const double full = stats_time(true, true);
      j["plain_forward_s"] = plain;
      j["stats_probe_only_s"] = probe_only;
      j["stats_probe_angular_s"] = with_angular;
      j["stats_full_s"] = full;
      j["overhead_probe_only"] = probe_only / plain - 1.0;
      j["overhead_probe_angular"] = with_angular / plain - 1.0;
      j["overhead_full"] = full / plain - 1.0;
    } else if (o->mode == "sweep") {
      RemovalOptions ro;
      ro.windows.n_ctx = o->ctx;
      std::int64_t cached_passes = 0, naive_passes = 0;
      const double cached = median_seconds(o->warmup, o->iters, [&] {
        ro.cached = true;
        cached_passes = layer_removal_sweep(model, flat, ro).layer_passes;
      });
      const double naive = median_seconds(o->warmup, o->iters, [&] {
        ro.cached = false;
        naive_passes = layer_removal_sweep(model, flat, ro).layer_passes;
      });
      j["cached_s"] = cached;
      j["naive_s"] = naive;
      j["cached_over_naive"] = cached / naive;
      j["cached_layer_passes"] = cached_passes;
      j["naive_layer_passes"] = naive_passes;
    } else {
      throw UsageError("--mode must be forward, stats or sweep (got '" + o->mode + "')");
    }
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace depthscope::cli
