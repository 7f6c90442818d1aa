// depthscope-cli bench-forward --matrix (issue 11): the table's rows, the PyTorch peer on the
// same OpenBLAS kernels, and a clear error when the peer cannot run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "tests/cli/run_cli.h"

namespace depthscope::test {
namespace {

const std::string kPeer =
    (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "tools/bench/forward_matrix.py").string();
const std::string kRow = "stories260K-5x64-8h4kv-1x512";

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

}  // namespace
}  // namespace depthscope::test
