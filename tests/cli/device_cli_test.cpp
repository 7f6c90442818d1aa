// --device on the analysis commands: `--device cpu` is the default path exactly (same bytes
// out), and a device this build or machine cannot use is refused, non-zero, naming it and why.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <torch/cuda.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::CliResult;
using depthscope::test::run_cli;
using depthscope::test::shared_data;

constexpr const char* kModel = "llama2c/stories260K.bin";
constexpr const char* kTokens = "llama2c/stories260K.ref.tokens.txt";

CliResult run(const std::string& args, bool stdout_only = true) {
  setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0);
  return run_cli("--threads 1 " + args, stdout_only);
}

std::string model() { return "\"" + shared_data(kModel) + "\""; }
std::string model_and_tokens() { return model() + " --tokens \"" + shared_data(kTokens) + "\""; }

// The first n reference ids as "1,403,...".
std::string id_list(std::size_t n) {
  std::ifstream in(shared_data(kTokens));
  std::vector<long long> ids{std::istream_iterator<long long>(in), std::istream_iterator<long long>()};
  ids.resize(std::min(n, ids.size()));
  std::string list;
  for (long long id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return list;
}

TEST(CliDevice, LogitsOnCpuEqualsTheDefault) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  const std::string args = "logits " + model() + " --tokens " + id_list(48) + " --top-k 4";
  for (const std::string format : {"", " --json"}) {
    const CliResult plain = run(args + format);
    const CliResult cpu = run(args + format + " --device cpu");
    ASSERT_EQ(plain.exit_code, 0) << plain.output;
    ASSERT_EQ(cpu.exit_code, 0) << cpu.output;
    EXPECT_EQ(cpu.output, plain.output) << format;
  }
  const auto j = nlohmann::json::parse(run(args + " --json --device cpu").output);
  EXPECT_EQ(j.at("device"), "cpu");
  EXPECT_EQ(j.at("positions").size(), 48u);
}

TEST(CliDevice, StatsOnCpuEqualsTheDefault) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  for (const std::string format : {" --json", " --csv"}) {
    const CliResult plain = run("stats " + model_and_tokens() + format);
    const CliResult cpu = run("stats " + model_and_tokens() + format + " --device cpu");
    ASSERT_EQ(plain.exit_code, 0) << plain.output;
    ASSERT_EQ(cpu.exit_code, 0) << cpu.output;
    EXPECT_EQ(cpu.output, plain.output) << format;
  }
  const auto j = nlohmann::json::parse(run("stats " + model_and_tokens() + " --json --device cpu").output);
  EXPECT_EQ(j.at("device"), "cpu");
  EXPECT_EQ(j.at("layers").size(), 5u);
}

TEST(CliDevice, EveryAnalysisCommandRecordsTheDeviceInJson) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  for (const std::string cmd : {"perplexity " + model_and_tokens() + " --ctx 64 --json",
                                "prune-sweep " + model_and_tokens() + " --ctx 64 --max-tokens 128 --json",
                                "jacobian " + model_and_tokens() + " --layer 2 --ctx 8 --positions 2 --json",
                                std::string("bench-forward --layers 2 --hidden 32 --ffn 64 --heads 2 --vocab 64 "
                                            "--ctx 8 --batch 1 --iters 1 --warmup 0"),
                                std::string("variance-at-init --layers 2 --width 32 --seq 8 --batch 1 --json")}) {
    const CliResult r = run(cmd + " --device cpu");
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
    const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    EXPECT_EQ(j.at("device"), "cpu") << cmd;
  }
}

// On Debian's CPU-only LibTorch (this build) CUDA is refused with the reason; on a machine
// where CUDA works this is the GPU parity tests' business (tests/gpu/device_parity_test.cpp).
TEST(CliDevice, CudaWithoutCudaExitsNonZeroSayingWhy) {
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kTokens);
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA works here; the refusal is for builds or machines without it";
  for (const std::string cmd : {"logits " + model() + " --tokens 1,2,3 --json", "stats " + model_and_tokens() + " --json",
                                "perplexity " + model_and_tokens() + " --json",
                                "prune-sweep " + model_and_tokens() + " --json",
                                "jacobian " + model_and_tokens() + " --layer 1 --json",
                                std::string("bench-forward --iters 1"),
                                std::string("variance-at-init --layers 2 --json")}) {
    const bool first = cmd.rfind("logits", 0) == 0;  // every spelling once, then plain "cuda"
    for (const std::string device : first ? std::vector<std::string>{"cuda", "cuda:0", "cuda:1"}
                                          : std::vector<std::string>{"cuda"}) {
      const CliResult r = run(cmd + " --device " + device, /*stdout_only=*/false);
      EXPECT_NE(r.exit_code, 0) << cmd;
      EXPECT_NE(r.output.find("--device " + device + ": this LibTorch ("), std::string::npos) << cmd << "\n" << r.output;
      EXPECT_TRUE(r.output.find("CPU-only) has no CUDA") != std::string::npos ||
                  r.output.find("sees no GPU") != std::string::npos)
          << r.output;
      EXPECT_EQ(r.output.find('{'), std::string::npos) << "no result printed: " << r.output;
    }
  }
  const CliResult bad = run("stats " + model_and_tokens() + " --device gpu", /*stdout_only=*/false);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--device gpu: expected cpu, cuda or cuda:N"), std::string::npos) << bad.output;
}

// bench-kernels and bench-train without a GPU: a refusal that says why, no figures.
TEST(CliDevice, GpuBenchmarksWithoutAGpuSayWhy) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA works here; the refusal is for builds or machines without it";
  const CliResult cpu = run("bench-kernels --device cpu", /*stdout_only=*/false);
  EXPECT_NE(cpu.exit_code, 0);
  EXPECT_NE(cpu.output.find("bench-kernels measures the CUDA kernels: --device cuda[:N]"), std::string::npos)
      << cpu.output;
  for (const std::string cmd : {"bench-kernels", "bench-kernels --device cuda:0", "bench-train --device cuda"}) {
    const CliResult r = run(cmd, /*stdout_only=*/false);
    EXPECT_NE(r.exit_code, 0) << cmd;
    EXPECT_TRUE(r.output.find("CPU-only) has no CUDA") != std::string::npos ||
                r.output.find("sees no GPU") != std::string::npos)
        << cmd << "\n" << r.output;
    EXPECT_EQ(r.output.find('{'), std::string::npos) << cmd << ": no result printed: " << r.output;
  }
}

}  // namespace
