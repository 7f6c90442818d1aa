// depthscope-cli bench-forward --matrix (issue 11): the table's rows, the PyTorch peer on the
// same OpenBLAS kernels, and a clear error when the peer cannot run; --gguf (issue 26): a GGUF
// file's forward, beside llama.cpp's (node-llama-cpp) where it is installed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "tests/cli/run_cli.h"
#include "tests/test_support.h"

namespace depthscope::test {
namespace {

const std::string kPeer =
    (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "tools/bench/forward_matrix.py").string();
const std::string kRow = "stories260K-5x64-8h4kv-1x512";
const std::string kLlamaCppPeer =
    (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "tools/bench/llama_cpp_peer.mjs").string();
const std::string kQ4km = "gguf/llama-q4_k_m.gguf";

nlohmann::json json_of(const CliResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output);
}

TEST(CliBenchForward, MatrixWithoutPeerTimesDepthScopeOnTheChosenRow) {
  const nlohmann::json j = json_of(run_cli("--threads 1 bench-forward --matrix --no-peer --reps 1 --warmup 0 --only " + kRow, true));
  ASSERT_EQ(j["rows"].size(), 1u);
  const nlohmann::json& row = j["rows"][0];
  EXPECT_EQ(row["shape"], kRow);
  EXPECT_EQ(row["kv_heads"], 4);
  EXPECT_GT(row["depthscope_tokens_per_s"].get<double>(), 0.0);
  EXPECT_FALSE(row.contains("ratio"));
}

TEST(CliBenchForward, MatrixPeerRunsThePyTorchModelOnTheSameKernels) {
  if (run_shell("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch (Debian python3-torch)";
  const nlohmann::json j =
      json_of(run_cli("--threads 1 bench-forward --matrix --reps 1 --warmup 0 --peer " + kPeer + " --only " + kRow, true));
  ASSERT_EQ(j["rows"].size(), 1u);
  const nlohmann::json& row = j["rows"][0];
  EXPECT_GT(row["pytorch_tokens_per_s"].get<double>(), 0.0);
  EXPECT_NEAR(row["ratio"].get<double>(), row["pytorch_s"].get<double>() / row["depthscope_s"].get<double>(), 1e-9);
  EXPECT_EQ(j["peer"]["openblas_kernels"], j["openblas_kernels"]) << "the two ran different GEMM kernels";
}

TEST(CliBenchForward, AMissingPeerScriptIsNamedInTheError) {
  const CliResult r = run_cli("--threads 1 bench-forward --matrix --reps 1 --peer /nonexistent/peer.py --only " + kRow);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/peer.py"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("exited"), std::string::npos) << r.output;
}

TEST(CliBenchForward, GgufTimesTheFilesForwardOverOneWindow) {
  DS_REQUIRE_SHARED(kQ4km);
  const nlohmann::json j =
      json_of(run_cli("--threads 1 bench-forward --gguf \"" + shared_data(kQ4km) + "\" --ctx 16 --iters 1 --warmup 0", true));
  EXPECT_EQ(j["mode"], "gguf");
  EXPECT_EQ(j["tokens"], 16);
  EXPECT_EQ(j["types"], "Q4_K+F32+Q6_K");
  EXPECT_EQ(j["layers"], 4);
  EXPECT_GT(j["depthscope_tokens_per_s"].get<double>(), 0.0);
  EXPECT_FALSE(j.contains("ratio")) << "no peer asked for";
}

TEST(CliBenchForward, GgufPeerThatCannotRunIsNamedInTheError) {
  DS_REQUIRE_SHARED(kQ4km);
  const CliResult r = run_cli("--threads 1 bench-forward --gguf \"" + shared_data(kQ4km) +
                              "\" --ctx 16 --iters 1 --peer /nonexistent/peer.mjs");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/peer.mjs"), std::string::npos) << r.output;
  const CliResult both = run_cli("bench-forward --gguf \"" + shared_data(kQ4km) + "\" --matrix");
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.output.find("leave out --matrix"), std::string::npos) << both.output;
}

// llama.cpp through node-llama-cpp, where it is installed ($LLAMA_CPP_PEER_DIR or /tmp/llamacpp).
TEST(CliBenchForward, GgufPeerRunsLlamaCppOnTheSameFileAndTokens) {
  DS_REQUIRE_SHARED(kQ4km);
  const char* dir_env = std::getenv("LLAMA_CPP_PEER_DIR");
  const std::string dir = dir_env != nullptr ? dir_env : "/tmp/llamacpp";
  if (!std::filesystem::exists(dir + "/node_modules/node-llama-cpp") ||
      run_shell("node --version >/dev/null 2>&1").exit_code != 0)
    GTEST_SKIP() << "node-llama-cpp is not installed in " << dir << " (tools/bench/llama_cpp_peer.mjs says how)";
  const nlohmann::json j = json_of(run_cli("--threads 1 bench-forward --gguf \"" + shared_data(kQ4km) +
                                               "\" --ctx 16 --iters 1 --warmup 0 --peer " + kLlamaCppPeer +
                                               " --llama-cpp-dir " + dir,
                                           true));
  EXPECT_GT(j["llama_cpp_tokens_per_s"].get<double>(), 0.0);
  EXPECT_NEAR(j["ratio"].get<double>(), j["llama_cpp_s"].get<double>() / j["depthscope_s"].get<double>(), 1e-9);
  EXPECT_EQ(j["peer"]["tokens"], 16);
  EXPECT_EQ(j["peer"]["threads"], 1);
  EXPECT_FALSE(j["peer"]["gpu"].get<bool>()) << "llama.cpp on the CPU";
  EXPECT_FALSE(j["peer"]["llama_cpp_version"].get<std::string>().empty());
}

}  // namespace
}  // namespace depthscope::test
