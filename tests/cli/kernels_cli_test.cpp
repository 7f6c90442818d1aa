// The kernels and the malloc policy a process runs, as `info` and the bench commands report
// them (issue 25): DEPTHSCOPE_CPU_ISA=avx2, DEPTHSCOPE_MALLOC, and bench-train --matrix.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/run_cli.h"

namespace depthscope::test {
namespace {

bool cpu_has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

nlohmann::json info(const std::string& env) {
  const CliResult r = run_shell(env + " \"" + DEPTHSCOPE_CLI + "\" info --json 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

TEST(CliKernels, InfoReportsTheKernelsAndTheMallocPolicy) {
  const nlohmann::json j = info("env -u DEPTHSCOPE_CPU_ISA -u DEPTHSCOPE_MALLOC");
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"cpu_isa", "aten_cpu_capability", "blas_kernels", "malloc_policy"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.value("malloc_policy", ""), "keep");  // every CLI command keeps freed memory
  EXPECT_EQ(info("DEPTHSCOPE_MALLOC=glibc").value("malloc_policy", ""), "glibc");
  EXPECT_EQ(info("DEPTHSCOPE_MALLOC=bounded").value("malloc_policy", ""), "bounded");
  const CliResult bad = run_cli_shell("DEPTHSCOPE_MALLOC=huge \"" + std::string(DEPTHSCOPE_CLI) + "\" info --json");
  EXPECT_NE(bad.output.find("DEPTHSCOPE_MALLOC=huge is not keep, bounded or glibc; using keep"), std::string::npos)
      << bad.output;
}

TEST(CliKernels, TheAvx2SwitchReportsAvx2Everywhere) {
  if (!cpu_has_avx2_fma()) GTEST_SKIP() << "no AVX2 and FMA on this CPU";
  const nlohmann::json j = info("env -u OPENBLAS_CORETYPE -u ATEN_CPU_CAPABILITY -u DEPTHSCOPE_PACKED_GEMM DEPTHSCOPE_CPU_ISA=avx2");
  EXPECT_EQ(j.value("cpu_isa", ""), "avx2");
  EXPECT_EQ(j.value("aten_cpu_capability", ""), "avx2");
  const std::string blas = j.value("blas_kernels", "");
  if (!blas.empty()) EXPECT_EQ(blas, "Haswell");
  const CliResult bad = run_cli_shell("DEPTHSCOPE_CPU_ISA=sse9 \"" + std::string(DEPTHSCOPE_CLI) + "\" info");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("DEPTHSCOPE_CPU_ISA=sse9"), std::string::npos) << bad.output;
}

TEST(CliKernels, BenchTrainMatrixMeasuresRowsAgainstTheSgemmLimit) {
  const CliResult r = run_cli("--threads 1 bench-train --matrix --no-peer --only 6x256-v256-4x128 --rounds 1 --steps 1 "
                              "--warmup-steps 0",
                              /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_GT(j.value("sgemm_gflops", 0.0), 1.0);
  ASSERT_EQ(j["rows"].size(), 1u);
  const nlohmann::json& row = j["rows"][0];
  EXPECT_EQ(row.value("shape", ""), "6x256-v256-4x128");
  EXPECT_GT(row.value("depthscope_tokens_per_s", 0.0), 0.0);
  const double share = row.value("share_of_sgemm", -1.0);
  EXPECT_GT(share, 0.0);
  EXPECT_LT(share, 1.5);  // a training step cannot run much faster than the machine's GEMM
  EXPECT_FALSE(row.contains("pytorch_tokens_per_s"));  // --no-peer
}

}  // namespace
}  // namespace depthscope::test
