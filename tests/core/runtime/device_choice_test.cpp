// `--device cpu|cuda[:N]`: the parser, and the check against this build and machine.
#include <gtest/gtest.h>

#include <torch/cuda.h>
#include <functional>
#include <torch/version.h>

#include "core/error.h"
#include "core/runtime/device_choice.h"
#include "core/runtime/torch_device.h"

namespace depthscope {
namespace {

std::string usage_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(DeviceChoice, ParsesCpuCudaAndCudaIndex) {
  const ComputeDevice cpu = parse_device("cpu");
  EXPECT_FALSE(cpu.is_cuda());
  EXPECT_EQ(cpu.name(), "cpu");
  const ComputeDevice cuda = parse_device("cuda");
  EXPECT_TRUE(cuda.is_cuda());
  EXPECT_EQ(cuda.index, -1);
  EXPECT_EQ(cuda.name(), "cuda");
  const ComputeDevice one = parse_device("cuda:1");
  EXPECT_TRUE(one.is_cuda());
  EXPECT_EQ(one.index, 1);
  EXPECT_EQ(one.name(), "cuda:1");
  EXPECT_EQ(parse_device("cuda:0").index, 0);
  EXPECT_EQ(parse_device("cuda:12").name(), "cuda:12");
  EXPECT_EQ(ComputeDevice{}, cpu);
  EXPECT_NE(one, cuda);
}

TEST(DeviceChoice, RejectsBadStringsNamingTheOptionAndTheChoices) {
  for (const std::string bad : {"", "gpu", "CPU", "Cuda", "cuda:", "cuda:-1", "cuda:x", "cuda1", "cuda:1:2",
                                "cuda: 1", " cpu", "cpu:0", "cuda:99999", "mps"}) {
    const std::string m = usage_message([&] { parse_device(bad); });
    ASSERT_FALSE(m.empty()) << "accepted '" << bad << "'";
    EXPECT_EQ(m.rfind("--device ", 0), 0u) << m;
    EXPECT_NE(m.find("expected cpu, cuda or cuda:N"), std::string::npos) << m;
  }
  EXPECT_NE(usage_message([] { parse_device("gpu", "device"); }).find("device gpu: expected"), std::string::npos);
}

TEST(DeviceChoice, CpuIsAlwaysAvailable) {
  EXPECT_EQ(device_unavailable_reason(ComputeDevice{}), "");
  EXPECT_EQ(require_device("cpu"), ComputeDevice{});
  EXPECT_TRUE(torch_device(require_device("cpu")).is_cpu());
}

// What this machine says depends on the build: a CPU-only LibTorch (Debian's) names itself;
// with GPUs, an index past the last one names the count.
TEST(DeviceChoice, CudaIsRefusedWithTheReasonOrAccepted) {
  if (!torch::cuda::is_available()) {
    for (const std::string text : {"cuda", "cuda:0", "cuda:3"}) {
      const std::string m = usage_message([&] { require_device(text); });
      EXPECT_EQ(m.rfind("--device " + text + ": this LibTorch (" + TORCH_VERSION, 0), 0u) << m;
      EXPECT_TRUE(m.find("CPU-only) has no CUDA") != std::string::npos || m.find("sees no GPU") != std::string::npos)
          << m;
    }
    return;
  }
  const auto gpus = torch::cuda::device_count();
  const ComputeDevice d = require_device("cuda");
  EXPECT_EQ(d.index, 0);  // resolved
  EXPECT_TRUE(torch_device(d).is_cuda());
  const std::string past = "cuda:" + std::to_string(gpus);
  const std::string m = usage_message([&] { require_device(past); });
  EXPECT_NE(m.find("--device " + past + ": there"), std::string::npos) << m;
  EXPECT_NE(m.find(gpus == 1 ? "is 1 GPU" : "are " + std::to_string(gpus) + " GPUs"), std::string::npos) << m;
}

}  // namespace
}  // namespace depthscope
