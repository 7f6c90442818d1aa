#include "app/cli/bench_forward_gguf.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/bench_process.h"
#include "app/cli/bench_support.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "core/runtime/threads.h"

namespace depthscope::cli {

std::vector<std::int64_t> gguf_bench_tokens(std::int64_t n, std::int64_t vocab, std::int64_t bos, std::uint32_t seed) {
  if (vocab <= 3) throw UsageError("bench-forward --gguf: the vocabulary is too small");
  std::vector<std::int64_t> out = {bos};
  std::uint32_t s = seed;
  while (static_cast<std::int64_t>(out.size()) < n) {
    s = s * 1664525u + 1013904223u;
    out.push_back(3 + static_cast<std::int64_t>(s % static_cast<std::uint32_t>(vocab - 3)));
  }
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {

std::string fixed(double v, int decimals) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(decimals);
  os << v;
  return os.str();
}

}  // namespace

nlohmann::json run_gguf_forward(const GgufBenchOptions& o) {
  if (o.reps < 1) throw UsageError("--iters must be at least 1");
  if (o.tokens < 1) throw UsageError("--ctx must be at least 1");
  const auto t_load = std::chrono::steady_clock::now();
  LoadedCheckpoint ck = load_checkpoint(o.file);
  if (ck.format != "gguf") throw UsageError("bench-forward --gguf: " + o.file + " is a " + ck.format + " checkpoint, not GGUF");
  const std::string types = ck.source_dtype;
  const Transformer model(std::move(ck.config), std::move(ck.weights));
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const ModelConfig& c = model.config();
  if (o.tokens > c.max_position)
    throw UsageError("--ctx " + std::to_string(o.tokens) + " is past the model's context (" + std::to_string(c.max_position) + ")");
  const std::vector<std::int64_t> ids = gguf_bench_tokens(o.tokens, c.vocab_size, c.bos_id, o.seed);
  const at::Tensor tokens = at::tensor(ids, at::kLong).view({1, o.tokens});  // [1, T]

  std::unique_ptr<ServePeer> peer;
  nlohmann::json peer_info;
  if (!o.peer.empty()) {
    const std::string script = o.peer == "llama.cpp" ? std::string("tools/bench/llama_cpp_peer.mjs") : o.peer;
    std::vector<std::string> argv = {o.node, script, o.file, "--serve", "--tokens", std::to_string(o.tokens),
                                     "--threads", std::to_string(threads()), "--vocab", std::to_string(c.vocab_size),
                                     "--seed", std::to_string(o.seed)};
    if (o.peer_all_logits) argv.push_back("--all-logits");
    if (!o.llama_cpp_dir.empty()) argv.insert(argv.end(), {"--module-dir", o.llama_cpp_dir});
    peer = std::make_unique<ServePeer>(argv, environment_with({}, {}), "the llama.cpp peer (" + o.node + " " + script + ")");
    peer_info = peer->read_reply();  // {"ready": true, "llama_cpp_version", ...} once the model is loaded
  }

  double ds = 1e300, ds_cpu = 1e300, lc = 1e300, lc_cpu = 1e300;
  for (int i = 0; i < o.warmup + o.reps; ++i) {
    {  // DepthScope: logits for every position of the window
      c10::InferenceMode guard;
      const double c0 = cpu_now();
      const auto start = std::chrono::steady_clock::now();
      const at::Tensor logits = model.forward(tokens);  // [1, T, V]
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (i >= o.warmup) ds = std::min(ds, wall), ds_cpu = std::min(ds_cpu, cpu_now() - c0);
    }
    if (peer) {  // then llama.cpp: the same prompt
      const nlohmann::json r = peer->ask({{"cmd", "run"}});
      if (i >= o.warmup)
        lc = std::min(lc, r.at("seconds").get<double>()), lc_cpu = std::min(lc_cpu, r.at("cpu_seconds").get<double>());
    }
  }
  const double n = static_cast<double>(o.tokens);
  nlohmann::json j = {{"mode", "gguf"}, {"file", o.file}, {"types", types}, {"threads", threads()},
                      {"blas", blas_name()}, {"libtorch", torch_version()}, {"layers", c.num_layers},
                      {"hidden", c.hidden_size}, {"ffn", c.intermediate_size}, {"heads", c.num_heads},
                      {"kv_heads", c.num_kv_heads}, {"vocab", c.vocab_size}, {"tokens", o.tokens},
                      {"reps", o.reps}, {"warmup", o.warmup}, {"load_s", load_s},
                      {"depthscope_s", ds}, {"depthscope_cpu_s", ds_cpu}, {"depthscope_tokens_per_s", n / ds},
                      {"depthscope_logits", "every position"}};
  j.update(process_kernels_json());
  if (peer) {
    j["peer"] = peer_info;
    j["llama_cpp_s"] = lc;
    j["llama_cpp_cpu_s"] = lc_cpu;
    j["llama_cpp_tokens_per_s"] = n / lc;
    j["llama_cpp_logits"] = o.peer_all_logits ? "every position" : "last position";
    j["ratio"] = lc / ds;  // > 1: DepthScope faster
  }
  std::cerr << "| file | types | DepthScope tok/s | llama.cpp tok/s | DepthScope / llama.cpp |\n|---|---|---|---|---|\n"
            << "| " << o.file << " | " << types << " | " << fixed(n / ds, 0) << " | " << (peer ? fixed(n / lc, 0) : "-")
            << " | " << (peer ? fixed(lc / ds, 2) + "x" : "-") << " |" << std::endl;
  return j;
}

}  // namespace depthscope::cli
