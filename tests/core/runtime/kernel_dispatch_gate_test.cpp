// The per-device gate of DepthScope's CUDA kernels (core/runtime/kernel_dispatch_gate.h) with an
// injected probe: a device whose answer is "no kernel image" takes the ATen path, is probed
// once and logged once; a device with an image runs the kernels. No GPU needed.
#include "core/runtime/kernel_dispatch_gate.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/runtime/kernel_dispatch.h"

namespace depthscope {
namespace {

const std::string kNoImage = "no kernel image is available for execution on the device (Tesla V100-SXM2-16GB, sm_70)";

TEST(KernelDeviceGate, ADeviceWithoutAKernelImageTakesTheAtenPathLoggedOnce) {
  std::map<int, int> probes;
  std::vector<std::string> lines;
  KernelDeviceGate gate([&](int device) { ++probes[device]; return device == 1 ? kNoImage : std::string(); },
                        [&](const std::string& line) { lines.push_back(line); });
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(gate.runs_on(0));
    EXPECT_FALSE(gate.runs_on(1));
  }
  EXPECT_EQ(probes[0], 1);
  EXPECT_EQ(probes[1], 1);
  ASSERT_EQ(lines.size(), 1u) << "logged once, for the device without an image only";
  EXPECT_NE(lines[0].find("CUDA device 1"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("sm_70"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("ATen path"), std::string::npos) << lines[0];
  EXPECT_EQ(gate.why_not(0), "");
  EXPECT_EQ(gate.why_not(1), kNoImage);
}

TEST(KernelDeviceGate, ConcurrentFirstCallsProbeOnce) {
  int probes = 0;  // guarded by the gate's lock: the probe runs under it
  KernelDeviceGate gate([&](int) { ++probes; return kNoImage; }, nullptr);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { EXPECT_FALSE(gate.runs_on(3)); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(probes, 1);
}

// CPU tensors never take the kernels, whatever was built.
TEST(KernelDeviceGate, CpuTensorsNeverTakeTheKernels) {
  EXPECT_FALSE(kernels_apply(at::ones({2, 2})));
  EXPECT_FALSE(kernels_apply(at::Tensor()));
  EXPECT_EQ(kernel_stream(at::ones({1})), nullptr);
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  EXPECT_NE(kernel_device_gate(), nullptr);
#else
  EXPECT_EQ(kernel_device_gate(), nullptr);
#endif
}

}  // namespace
}  // namespace depthscope
