#pragma once
// depthscope-cli bench-forward --gguf FILE [--peer llama.cpp] (issue 26): DepthScope's forward
// on a GGUF file (logits for every position of one window of --ctx tokens) and, with a peer,
// llama.cpp's prompt processing of the same file and the same tokens through node-llama-cpp
// (tools/bench/llama_cpp_peer.mjs --serve), the two taking turns, fastest of N each.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace depthscope::cli {

struct GgufBenchOptions {
  std::string file;
  std::string peer;  // "": DepthScope only; "llama.cpp": tools/bench/llama_cpp_peer.mjs; else a script path
  std::string node = "node";    // the peer's interpreter (looked up in PATH)
  std::string llama_cpp_dir;    // where node-llama-cpp is installed ("": the script's default)
  bool peer_all_logits = false;  // the peer computes every position's logits too (llama_cpp_peer.mjs --all-logits)
  std::int64_t tokens = 256;
  int reps = 5;
  int warmup = 1;
  std::uint32_t seed = 1;
};

// The prompt both sides evaluate: BOS, then ids in [3, vocab) from a 32-bit LCG (Numerical
// Recipes' constants), as tools/bench/llama_cpp_peer.mjs draws them.
std::vector<std::int64_t> gguf_bench_tokens(std::int64_t n, std::int64_t vocab, std::int64_t bos, std::uint32_t seed);

// Runs the comparison and returns its JSON; prints a Markdown row to stderr.
nlohmann::json run_gguf_forward(const GgufBenchOptions& options);

}  // namespace depthscope::cli
