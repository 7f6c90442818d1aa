#pragma once
// Child processes of the bench commands: a Python baseline run to its end, or depthscope-cli
// itself again under DEPTHSCOPE_CPU_ISA=avx2 (the matrices' AVX2 columns).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace depthscope::cli {

// Runs argv[0] (a path) with argv, this process's environment plus `env` ("NAME=value", each
// replacing a variable of that name), stderr passed through; returns its stdout parsed as JSON.
// Throws UsageError naming the program when it cannot start, fails, or prints no JSON object.
nlohmann::json run_for_json(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// This executable (/proc/self/exe).
std::string self_executable();

// The GLIBC_TUNABLES that give a glibc process DepthScope's `keep` malloc policy
// (core/runtime/malloc_policy.h): no mmap for large blocks, no trimming.
const char* keep_policy_tunables();

}  // namespace depthscope::cli

namespace depthscope::cli {

// The matrices' AVX2 columns: runs this executable with `args` (its command line for the same
// matrix) under DEPTHSCOPE_CPU_ISA=avx2, puts each of its rows into the row of `result` with
// the same "shape" as "avx2", and prints a Markdown table of both to stderr.
void add_avx2_columns(nlohmann::json& result, const std::vector<std::string>& args);

}  // namespace depthscope::cli
