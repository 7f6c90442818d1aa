// Reading and writing safetensors files: exact round trips, dtype conversion, zero-copy,
// missing/empty files, and a full disk that must never leave a half-written file.
#include <gtest/gtest.h>

#include <fstream>

#include <ATen/ATen.h>
#include <sys/resource.h>

#include <csignal>
#include <cstring>

#include "core/error.h"
#include "core/io/mapped_file.h"
#include "core/io/safetensors.h"
#include "tests/core/io/io_test_util.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

TEST(Safetensors, WriteReadRoundTripIsBitExact) {
  const fs::path dir = test::scratch_dir("st_roundtrip");
  const std::string path = (dir / "t.safetensors").string();
  at::manual_seed(7);
  const NamedTensors in = {{"b.matrix", at::randn({5, 7})},
                           {"a.vector", at::randn({3})},
                           {"scalar", at::full({}, 2.5f)},
                           {"empty", at::empty({0, 4})},
                           {"special", at::tensor({std::numeric_limits<float>::infinity(), -0.0f, 1e-45f})}};
  save_safetensors(path, in, {{"note", "hello"}});
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  const SafetensorsFile f = open_safetensors(path);
  EXPECT_EQ(f.header.data_start % 8, 0u);  // padded so F32 loads zero-copy
  EXPECT_EQ(f.header.metadata.at("note"), "hello");
  const NamedTensors out = load_safetensors(path);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].first, in[i].first);  // written in the given order
    EXPECT_EQ(out[i].second.sizes(), in[i].second.sizes()) << in[i].first;
    EXPECT_EQ(std::memcmp(out[i].second.data_ptr(), in[i].second.contiguous().data_ptr(),
                          static_cast<std::size_t>(in[i].second.numel()) * 4),
              0)
        << in[i].first;
  }
}

TEST(Safetensors, AlignedF32IsZeroCopyAndKeepsTheMappingAlive) {
  const fs::path dir = test::scratch_dir("st_zerocopy");
  const std::string path = (dir / "t.safetensors").string();
  save_safetensors(path, {{"w", at::arange(16, at::kFloat)}});
  at::Tensor t;
  const std::uint8_t* base = nullptr;
  std::size_t size = 0;
  {
    const SafetensorsFile f = open_safetensors(path);
    base = f.map->data();
    size = f.map->size();
    t = read_tensor(f, f.header.tensors[0]);
  }  // the file object is gone; the tensor still holds the mapping
  const auto* p = static_cast<const std::uint8_t*>(t.data_ptr());
  EXPECT_TRUE(p >= base && p < base + size) << "F32 tensor should alias the mapping";
  EXPECT_EQ(t[15].item<float>(), 15.0f);
  // The mapping is read-only (no commit charge under strict overcommit): /proc/self/maps
  // lists it "r--p". Whoever modifies weights works on a copy (clone_weights).
  {
    std::ifstream maps("/proc/self/maps");
    std::string line, perms;
    while (std::getline(maps, line))
      if (line.find(fs::canonical(path).string()) != std::string::npos) perms = line.substr(line.find(' ') + 1, 4);
    EXPECT_EQ(perms, "r--p") << "the checkpoint is mapped writable";
  }
  at::Tensor copy = t.clone();
  copy.add_(1.0f);
  EXPECT_EQ(copy[15].item<float>(), 16.0f);
  EXPECT_EQ(t[15].item<float>(), 15.0f);
  EXPECT_EQ(load_safetensors(path)[0].second[15].item<float>(), 15.0f);
}

TEST(Safetensors, MisalignedF32IsCopied) {
  const fs::path dir = test::scratch_dir("st_misaligned");
  // JSON of odd length so the data section starts at an odd address.
  std::string json = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  if ((8 + json.size()) % 2 == 0) json += " ";
  auto bytes = test::safetensors_bytes(json, 8);
  const float values[2] = {1.5f, -2.25f};
  std::memcpy(bytes.data() + 8 + json.size(), values, 8);
  test::write_bytes(dir / "m.safetensors", bytes);
  const NamedTensors out = load_safetensors((dir / "m.safetensors").string());
  EXPECT_EQ(out[0].second[0].item<float>(), 1.5f);
  EXPECT_EQ(out[0].second[1].item<float>(), -2.25f);
}

TEST(Safetensors, F16AndBF16AreWidenedExactly) {
  const fs::path dir = test::scratch_dir("st_half");
  const std::string json =
      R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}})";
  auto bytes = test::safetensors_bytes(json, 10);
  // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800; BF16: 1.0 = 0x3f80, -3.0 = 0xc040.
  const std::uint8_t data[10] = {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x80, 0x3f, 0x40, 0xc0};
  std::memcpy(bytes.data() + 8 + json.size(), data, 10);
  test::write_bytes(dir / "h.safetensors", bytes);
  const NamedTensors out = load_safetensors((dir / "h.safetensors").string());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first, "h");
  EXPECT_EQ(out[0].second.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(out[0].second, at::tensor({1.0f, -2.0f, 0.5f})));
  EXPECT_TRUE(at::equal(out[1].second, at::tensor({1.0f, -3.0f})));
}

TEST(Safetensors, ProgressPerTensorAndCancel) {
  const fs::path dir = test::scratch_dir("st_progress");
  const std::string path = (dir / "t.safetensors").string();
  save_safetensors(path, {{"a", at::zeros({2})}, {"b", at::zeros({2})}, {"c", at::zeros({2})}});
  std::vector<std::string> stages;
  std::atomic<bool> cancel{false};
  RunControl control([&](const Progress& p) {
    stages.push_back(p.stage);
    if (p.done == 2) cancel = true;
  }, &cancel);
  EXPECT_THROW(load_safetensors(path, control), Cancelled);
  EXPECT_EQ(stages, (std::vector<std::string>{"a", "b"}));
}

TEST(Safetensors, RefusesRepeatedNames) {
  const fs::path dir = test::scratch_dir("st_repeat");
  EXPECT_THROW(save_safetensors((dir / "t.safetensors").string(), {{"a", at::zeros({1})}, {"a", at::zeros({1})}}),
               UsageError);
}

TEST(MappedFile, MissingFile) {
  try {
    MappedFile::open("/nonexistent/model.safetensors");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), "/nonexistent/model.safetensors");
    EXPECT_EQ(e.problem(), "file not found");
  }
}

TEST(MappedFile, EmptyFile) {
  const fs::path dir = test::scratch_dir("mf_empty");
  test::write_bytes(dir / "e.safetensors", {});
  try {
    open_safetensors((dir / "e.safetensors").string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), (dir / "e.safetensors").string());
    EXPECT_EQ(e.problem(), "file is empty");
  }
}

TEST(MappedFile, FolderIsNotAFile) {
  const fs::path dir = test::scratch_dir("mf_dir");
  try {
    MappedFile::open(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_NE(e.problem().find("folder"), std::string::npos);
  }
}

TEST(Safetensors, TruncatedFileIsAFileError) {
  const fs::path dir = test::scratch_dir("st_trunc");
  const std::string path = (dir / "t.safetensors").string();
  save_safetensors(path, {{"model.norm.weight", at::ones({64})}});
  auto bytes = test::read_bytes(path);
  bytes.resize(bytes.size() - 10);
  test::write_bytes(path, bytes);
  try {
    load_safetensors(path);
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), "tensor 'model.norm.weight'.data_offsets");
  }
}

// A file size limit makes write() fail with EFBIG exactly like a full disk would: the error
// names the file, the old file survives untouched and no temporary is left behind.
TEST(Safetensors, FullDiskNeverLeavesAHalfFile) {
  const fs::path dir = test::scratch_dir("st_full");
  const std::string path = (dir / "t.safetensors").string();
  save_safetensors(path, {{"old", at::ones({4})}});
  const auto before = test::read_bytes(path);

  struct rlimit old_limit {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  bool threw = false;
  std::string problem, file;
  try {
    save_safetensors(path, {{"big", at::ones({1 << 20})}});
  } catch (const FileError& e) {
    threw = true;
    problem = e.problem();
    file = e.file();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_TRUE(threw);
  EXPECT_EQ(file, path);
  EXPECT_NE(problem.find("disk full"), std::string::npos) << problem;
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(test::read_bytes(path), before);
}

}  // namespace
}  // namespace depthscope
