// Where a run trains: "device" / "dtype" of a spec (and train/bench-train --device --dtype;
// the device itself is parsed by core/runtime/device_choice.h).
// On a CPU-only LibTorch (Debian's 1.13) a CUDA spec is refused at validation, naming the
// device and why; bf16 is refused on the cpu; f32 on the cpu is the default.
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/train/autocast_region.h"
#include "core/runtime/device_choice.h"
#include "core/train/train_dtype.h"
#include "core/train/train_spec.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

std::string spec_with(const std::string& extra) {
  return R"({"name": "t", "model": {"preset": "tiny"}, "corpus": {"dir": "corpus"})" + extra + "}";
}

// The FileError of parsing `text` (empty when it parses).
std::string spec_error(const std::string& text) {
  try {
    parse_train_spec_text(text, "spec.json");
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainDevice, ParsesDtypes) {
  EXPECT_EQ(parse_train_dtype("bf16"), TrainDtype::bf16);
  EXPECT_EQ(parse_train_dtype("bfloat16"), TrainDtype::bf16);
  EXPECT_EQ(parse_train_dtype("f32"), TrainDtype::f32);
  EXPECT_EQ(parse_train_dtype("float32"), TrainDtype::f32);
  EXPECT_STREQ(to_string(TrainDtype::bf16), "bf16");
  EXPECT_STREQ(to_string(TrainDtype::f32), "f32");
  try {
    parse_train_dtype("fp16");
    FAIL() << "fp16 parsed";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("f32, bf16"), std::string::npos) << e.what();
  }
}

TEST(TrainDevice, SpecDefaultsToF32OnTheCpu) {
  const TrainSpec s = parse_train_spec_text(spec_with(""));
  EXPECT_EQ(s.device, "cpu");
  EXPECT_EQ(s.dtype, TrainDtype::f32);
  EXPECT_FALSE(s.compute_device().is_cuda());
  const TrainSpec t = parse_train_spec_text(spec_with(R"(, "device": "cpu", "dtype": "f32")"));
  EXPECT_EQ(t.dtype, TrainDtype::f32);
}

TEST(TrainDevice, SpecRefusesBadValuesNamingTheField) {
  std::string e = spec_error(spec_with(R"(, "device": "tpu")"));
  EXPECT_NE(e.find("device"), std::string::npos) << e;
  EXPECT_NE(e.find("expected cpu, cuda or cuda:N"), std::string::npos) << e;
  e = spec_error(spec_with(R"(, "dtype": "f16")"));
  EXPECT_NE(e.find("dtype"), std::string::npos) << e;
  EXPECT_NE(e.find("f32, bf16"), std::string::npos) << e;
  e = spec_error(spec_with(R"(, "dtype": 16)"));
  EXPECT_NE(e.find("must be a string"), std::string::npos) << e;
  // bf16 mixed precision is a CUDA path.
  e = spec_error(spec_with(R"(, "dtype": "bf16")"));
  EXPECT_NE(e.find("dtype"), std::string::npos) << e;
  EXPECT_NE(e.find("CUDA device"), std::string::npos) << e;
}

TEST(TrainDevice, CudaSpecIsRefusedWithoutAUsableGpu) {
  if (at::hasCUDA()) GTEST_SKIP() << "this LibTorch has a usable GPU (tests/gpu/ trains on it)";
  for (const char* device : {"cuda", "cuda:1"}) {
    const std::string e = spec_error(spec_with(std::string(R"(, "device": ")") + device + R"(", "dtype": "bf16")"));
    ASSERT_FALSE(e.empty()) << device;
    EXPECT_NE(e.find("spec.json"), std::string::npos) << e;  // the file
    EXPECT_NE(e.find("device"), std::string::npos) << e;     // the field
    EXPECT_NE(e.find(std::string(device) + " cannot train here: "), std::string::npos) << e;
    if (!at::Context::hasCUDART())  // why: Debian's LibTorch is CPU-only
      EXPECT_NE(e.find("CPU-only) has no CUDA"), std::string::npos) << e;
    EXPECT_NE(e.find("CUDA LibTorch"), std::string::npos) << e;  // what to do
  }
  EXPECT_NE(train_device_problem(parse_device("cuda")), "");
  EXPECT_EQ(train_device_problem(parse_device("cpu")), "");
}

TEST(TrainDevice, SpecFileOverridesReplaceFieldsAndAreStored) {
  const std::filesystem::path dir = std::filesystem::path(DEPTHSCOPE_TEST_TMP) / "train_device_override";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "spec.json").string();
  std::ofstream(path) << spec_with(R"(, "steps": 7)");
  const TrainSpec s = read_train_spec(path, {{"device", "cpu"}, {"dtype", "f32"}, {"steps", 9}});
  EXPECT_EQ(s.steps, 9);
  EXPECT_EQ(nlohmann::json::parse(s.json).at("steps"), 9);  // what the run database stores
  EXPECT_EQ(nlohmann::json::parse(s.json).at("device"), "cpu");
  EXPECT_EQ(s.corpus_dir, (dir / "corpus").lexically_normal().string());  // still relative to the file
  try {
    read_train_spec(path, {{"dtype", "bf16"}});
    FAIL() << "bf16 on the cpu was accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(TrainDevice, AutocastRegionRestoresStateAndLeavesCpuMathAlone) {
  ASSERT_FALSE(at::autocast::is_enabled());
  const at::Tensor a = at::randn({4, 8}), b = at::randn({8, 3});
  const at::Tensor before = at::matmul(a, b);
  {
    const Bf16Autocast off(false);
    EXPECT_FALSE(at::autocast::is_enabled());
  }
  {
    const Bf16Autocast on(true);
    EXPECT_TRUE(at::autocast::is_enabled());
    EXPECT_EQ(at::autocast::get_autocast_gpu_dtype(), at::kBFloat16);
    const at::Tensor inside = at::matmul(a, b);  // CUDA autocast: CPU ops are untouched
    EXPECT_EQ(inside.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::equal(inside, before));
  }
  EXPECT_FALSE(at::autocast::is_enabled());
  EXPECT_EQ(at::autocast::get_autocast_gpu_dtype(), at::kHalf);  // LibTorch's default again
}

}  // namespace
}  // namespace depthscope
