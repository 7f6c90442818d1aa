#include "app/cli/bench_forward_matrix.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

#include "app/cli/bench_process.h"
#include "app/cli/bench_support.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/runtime/threads.h"

extern char** environ;

namespace depthscope::cli {

namespace {

struct Shape {
  std::string name;
  std::int64_t layers, hidden, ffn, heads, kv_heads, vocab, batch, ctx;
};

// The rows of issue 11: the three shapes it was filed with, stories260K, the LLaMA-130M
// shape, a grouped-query shape with head size 128, and one model over contexts 128..2048.
std::vector<Shape> matrix_shapes() {
  return {
      {"6x256-4h-4x128", 6, 256, 688, 4, 4, 8192, 4, 128},
      {"12x256-8h-4x256", 12, 256, 688, 8, 8, 8192, 4, 256},
      {"stories260K-5x64-8h4kv-1x512", 5, 64, 172, 8, 4, 512, 1, 512},
      {"llama130M-12x768-12h-1x256", 12, 768, 2048, 12, 12, 32000, 1, 256},
      {"gqa-hd128-4x1024-8h2kv-1x512", 4, 1024, 2816, 8, 2, 8192, 1, 512},
      {"6x256-4h-1x128", 6, 256, 688, 4, 4, 8192, 1, 128},
      {"6x256-4h-1x512", 6, 256, 688, 4, 4, 8192, 1, 512},
      {"6x256-4h-1x2048", 6, 256, 688, 4, 4, 8192, 1, 2048},
  };
}

// The Python process, spoken to one JSON line at a time (bench_process.h).
std::unique_ptr<ServePeer> start_peer(const MatrixOptions& o, const std::string& kernels) {
  std::vector<std::string> add;
  if (!kernels.empty()) add.push_back("OPENBLAS_CORETYPE=" + kernels);
  add.emplace_back(keep_policy_tunables());  // DepthScope's malloc policy (malloc_policy.h) on both sides
  return std::make_unique<ServePeer>(std::vector<std::string>{o.python, o.peer, "--serve"},
                                     environment_with({"OPENBLAS_CORETYPE=", "GLIBC_TUNABLES="}, add),
                                     "the PyTorch peer (" + o.python + " " + o.peer + ")");
}

ModelConfig config_of(const Shape& s) {
  ModelConfig c;
  c.num_layers = s.layers;
  c.hidden_size = s.hidden;
  c.intermediate_size = s.ffn;
  c.num_heads = s.heads;
  c.num_kv_heads = s.kv_heads;
  c.vocab_size = s.vocab;
  c.max_position = std::max<std::int64_t>(2048, s.ctx);
  c.tie_word_embeddings = false;
  return c;
}

}  // namespace

nlohmann::json run_forward_matrix(const MatrixOptions& o) {
  if (o.reps < 1) throw UsageError("--reps must be at least 1");
  const std::string kernels = openblas_kernels();
  std::unique_ptr<ServePeer> peer;
  if (!o.no_peer) peer = start_peer(o, kernels);
  nlohmann::json result = {{"threads", threads()}, {"blas", blas_name()}, {"openblas_kernels", kernels},
                           {"libtorch", torch_version()}, {"reps", o.reps}, {"warmup", o.warmup}};
  result.update(process_kernels_json());
  result["peer_malloc"] = keep_policy_tunables();
  std::cerr << "| shape (layers x d, heads, batch x tokens) | DepthScope tok/s | PyTorch eager tok/s | ratio |\n"
               "|---|---|---|---|\n";
  for (const Shape& s : matrix_shapes()) {
    if (!o.only.empty() && ("," + o.only + ",").find("," + s.name + ",") == std::string::npos) continue;
    const Transformer model = Transformer::random(config_of(s), 0);
    at::Generator gen = at::detail::createCPUGenerator(1);
    const at::Tensor tokens = at::randint(0, s.vocab, {s.batch, s.ctx}, gen, at::kLong);  // [B, T]
    if (peer)
      result["peer"] = peer->ask({{"cmd", "build"}, {"layers", s.layers}, {"hidden", s.hidden}, {"ffn", s.ffn}, {"heads", s.heads},
                 {"kv_heads", s.kv_heads}, {"vocab", s.vocab}, {"ctx", s.ctx}, {"batch", s.batch},
                 {"threads", threads()}, {"seed", 0}});
    if (peer) {
      const std::string theirs = result["peer"].value("openblas_kernels", std::string());
      if (!kernels.empty() && !theirs.empty() && theirs != kernels)
        std::cerr << "warning: the PyTorch peer runs OpenBLAS's " << theirs << " kernels, DepthScope " << kernels
                  << ": the ratio compares kernels too\n";
    }
    double ds = 1e300, ds_cpu = 1e300, py = 1e300, py_cpu = 1e300;
    for (int i = 0; i < o.warmup + o.reps; ++i) {
      {  // DepthScope: one forward
        c10::InferenceMode guard;
        const double c0 = cpu_now();
        const auto start = std::chrono::steady_clock::now();
        model.forward(tokens);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (i >= o.warmup) ds = std::min(ds, wall), ds_cpu = std::min(ds_cpu, cpu_now() - c0);
      }
      if (peer) {  // then PyTorch: one forward
        const nlohmann::json r = peer->ask({{"cmd", "run"}});
        if (i >= o.warmup)
          py = std::min(py, r["seconds"].get<double>()), py_cpu = std::min(py_cpu, r["cpu_seconds"].get<double>());
      }
    }
    const double n = static_cast<double>(s.batch * s.ctx);
    nlohmann::json row = {{"shape", s.name}, {"layers", s.layers}, {"hidden", s.hidden}, {"ffn", s.ffn},
                          {"heads", s.heads}, {"kv_heads", s.kv_heads}, {"vocab", s.vocab},
                          {"batch", s.batch}, {"ctx", s.ctx}, {"depthscope_s", ds},
                          {"depthscope_cpu_s", ds_cpu}, {"depthscope_tokens_per_s", n / ds}};
    if (peer) {
      row["pytorch_s"] = py;
      row["pytorch_cpu_s"] = py_cpu;
      row["pytorch_tokens_per_s"] = n / py;
      row["ratio"] = py / ds;
    }
    std::cerr << "| " << s.layers << " x " << s.hidden << ", " << s.heads << " heads"
              << (s.kv_heads != s.heads ? " (" + std::to_string(s.kv_heads) + " kv)" : std::string()) << ", "
              << s.batch << " x " << s.ctx << " | " << format_fixed(n / ds, 0) << " | "
              << (peer ? format_fixed(n / py, 0) : "-") << " | " << (peer ? format_fixed(py / ds, 2) + "x" : "-") << " |"
              << std::endl;
    result["rows"].push_back(row);
  }
  return result;
}

}  // namespace depthscope::cli
