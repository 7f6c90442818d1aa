#include "app/cli/bench_train_matrix.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include "app/cli/bench_process.h"
#include "app/cli/bench_support.h"
#include "app/cli/bench_train_run.h"
#include "core/error.h"
#include "core/runtime/threads.h"
#include "core/train/training_flops.h"

namespace depthscope::cli {

namespace {

struct TrainShape {
  std::string name;
  std::int64_t layers, hidden, ffn, heads, vocab, batch, seq;
};

// The rows of issue 25.
std::vector<TrainShape> train_shapes() {
  return {
      {"6x256-v256-4x128", 6, 256, 688, 4, 256, 4, 128},
      {"12x256-v256-4x256", 12, 256, 688, 4, 256, 4, 256},
      {"12x256-v32000-4x256", 12, 256, 688, 4, 32000, 4, 256},
      {"deep-narrow-24x96-v256-4x256", 24, 96, 256, 3, 256, 4, 256},
      {"llama130M-12x768-v32000-1x256", 12, 768, 2048, 12, 32000, 1, 256},
  };
}

ModelConfig config_of(const TrainShape& s) {
  ModelConfig c;
  c.family = ModelFamily::llama;
  c.tie_word_embeddings = false;
  c.num_layers = s.layers;
  c.hidden_size = s.hidden;
  c.intermediate_size = s.ffn;
  c.num_heads = c.num_kv_heads = s.heads;
  c.vocab_size = s.vocab;
  c.max_position = s.seq;
  c.validate();
  return c;
}

// One eager PyTorch run of a row: the best step's tokens/s.
nlohmann::json python_run(const TrainMatrixOptions& o, const TrainShape& s, const std::string& kernels) {
  std::vector<std::string> argv = {o.python, o.peer, "--threads", std::to_string(threads()),
                                   "--layers", std::to_string(s.layers), "--hidden", std::to_string(s.hidden),
                                   "--ffn", std::to_string(s.ffn), "--heads", std::to_string(s.heads),
                                   "--vocab", std::to_string(s.vocab), "--batch", std::to_string(s.batch),
                                   "--seq", std::to_string(s.seq), "--steps", std::to_string(o.steps),
                                   "--warmup-steps", std::to_string(o.warmup)};
  std::vector<std::string> env = {keep_policy_tunables()};
  if (!kernels.empty()) env.push_back("OPENBLAS_CORETYPE=" + kernels);
  return run_for_json(argv, env);
}

}  // namespace

double sgemm_gflops(int reps) {
  const std::int64_t n = 2048;
  const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::Tensor c = at::empty({n, n});
  at::mm_out(c, a, b);  // warm-up
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * static_cast<double>(n * n * n) / best / 1e9;
}

nlohmann::json run_train_matrix(const TrainMatrixOptions& o) {
  if (o.rounds < 1 || o.steps < 1 || o.warmup < 0) throw UsageError("--rounds and --steps must be at least 1");
  const std::string kernels = openblas_kernels();
  nlohmann::json result = {{"threads", threads()}, {"blas", blas_name()}, {"libtorch", torch_version()},
                           {"rounds", o.rounds}, {"steps", o.steps}, {"warmup_steps", o.warmup},
                           {"peer_malloc", keep_policy_tunables()}};
  result.update(process_kernels_json());
  double limit = sgemm_gflops();
  std::cerr << "sgemm limit (at::mm 2048^3, " << threads() << " threads, OpenBLAS " << kernels << "): "
            << format_fixed(limit, 0) << " GFLOP/s\n"
            << "| shape (layers x d, vocab, batch x tokens) | DepthScope tok/s | GFLOP/s | % of sgemm | PyTorch eager tok/s | ratio |\n"
               "|---|---|---|---|---|---|\n";
  for (const TrainShape& s : train_shapes()) {
    if (!o.only.empty() && ("," + o.only + ",").find("," + s.name + ",") == std::string::npos) continue;
    TrainBenchSpec spec;
    spec.config = config_of(s);
    spec.batch = s.batch;
    spec.seq = s.seq;
    spec.steps = o.steps;
    spec.warmup = o.warmup;
    double ds = 1e300, py = 1e300;
    nlohmann::json peer;
    for (int r = 0; r < o.rounds; ++r) {
      ds = std::min(ds, run_train_bench(spec).best());
      if (!o.no_peer) {
        peer = python_run(o, s, kernels);
        py = std::min(py, peer["min_step_s"].get<double>());
      }
    }
    const double tokens = static_cast<double>(s.batch * s.seq);
    const double flops = training_flops_per_token(spec.config, s.seq);
    const double gflops = tokens / ds * flops / 1e9;
    nlohmann::json row = {{"shape", s.name}, {"layers", s.layers}, {"hidden", s.hidden}, {"ffn", s.ffn},
                          {"heads", s.heads}, {"vocab", s.vocab}, {"batch", s.batch}, {"seq", s.seq},
                          {"flops_per_token", flops}, {"depthscope_min_step_s", ds},
                          {"depthscope_tokens_per_s", tokens / ds}, {"depthscope_gflops", gflops}};
    if (!o.no_peer) {
      row["pytorch_min_step_s"] = py;
      row["pytorch_tokens_per_s"] = tokens / py;
      row["pytorch_blas_kernels"] = peer.value("blas_kernels", "");
      row["ratio"] = py / ds;
    }
    result["rows"].push_back(row);
    std::cerr << "| " << s.layers << " x " << s.hidden << ", vocab " << s.vocab << ", " << s.batch << " x " << s.seq
              << " | " << format_fixed(tokens / ds, 0) << " | " << format_fixed(gflops, 0) << " | (after the rows) | "
              << (o.no_peer ? "-" : format_fixed(tokens / py, 0)) << " | " << (o.no_peer ? "-" : format_fixed(py / ds, 2) + "x") << " |"
              << std::endl;
  }
  limit = std::max(limit, sgemm_gflops());  // before and after the rows: the faster counts
  result["sgemm_gflops"] = limit;
  for (auto& row : result["rows"]) row["share_of_sgemm"] = row["depthscope_gflops"].get<double>() / limit;
  std::cerr << "sgemm limit (the faster of before and after): " << format_fixed(limit, 0) << " GFLOP/s; share per row:";
  for (const auto& row : result["rows"])
    std::cerr << " " << row["shape"].get<std::string>() << " " << format_fixed(100 * row["share_of_sgemm"].get<double>(), 1) << " %;";
  std::cerr << "\n";
  return result;
}

}  // namespace depthscope::cli
