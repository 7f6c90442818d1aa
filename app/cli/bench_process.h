#pragma once
// Child processes of the bench commands: a Python baseline run to its end, or depthscope-cli
// itself again under DEPTHSCOPE_CPU_ISA=avx2 (the matrices' AVX2 columns).
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace depthscope::cli {

// Runs argv[0] (a path) with argv, this process's environment plus `env` ("NAME=value", each
// replacing a variable of that name), stderr passed through; returns its stdout parsed as JSON.
// Throws UsageError naming the program when it cannot start, fails, or prints no JSON object.
nlohmann::json run_for_json(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// A peer process spoken to one JSON line at a time over two pipes (its stdin and stdout; its
// stderr passes through): the PyTorch peer of --matrix, the llama.cpp peer of --gguf.
// argv[0] is looked up in PATH when it has no '/'; `env` is its whole environment
// ("NAME=value"). `what` names it in errors ("the PyTorch peer (python3 script)").
class ServePeer {
 public:
  ServePeer(const std::vector<std::string>& argv, const std::vector<std::string>& env, std::string what);
  ~ServePeer();  // closes its stdin and waits for it
  ServePeer(const ServePeer&) = delete;
  ServePeer& operator=(const ServePeer&) = delete;

  // Sends `cmd` as one line and returns the answer line parsed. Throws UsageError when the
  // peer has exited, answers something that is not JSON, or answers {"error": ...}.
  nlohmann::json ask(const nlohmann::json& cmd);
  // Reads one line without sending anything (a greeting such as {"ready": true}).
  nlohmann::json read_reply();

 private:
  std::string what_;
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

// This process's environment without the variables named (prefixes "NAME="), plus `add`.
std::vector<std::string> environment_with(const std::vector<std::string>& drop, const std::vector<std::string>& add);

// This executable (/proc/self/exe).
std::string self_executable();

// The GLIBC_TUNABLES that give a glibc process DepthScope's `keep` malloc policy
// (core/runtime/malloc_policy.h): no mmap for large blocks, no trimming.
const char* keep_policy_tunables();

// The matrices' AVX2 columns: runs this executable with `args` (its command line for the same
// matrix) under DEPTHSCOPE_CPU_ISA=avx2, puts each of its rows into the row of `result` with
// the same "shape" as "avx2", and prints a Markdown table of both to stderr.
void add_avx2_columns(nlohmann::json& result, const std::vector<std::string>& args);

}  // namespace depthscope::cli
