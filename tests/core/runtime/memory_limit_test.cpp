// The cgroup memory limit (core/runtime/memory.h), which caps the packed-weight cache, read
// from fake cgroup trees: v1 and v2, a parent's lower limit, "max", v1's unlimited value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/runtime/memory.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(DEPTHSCOPE_TEST_TMP) / ("cgroup_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    const fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text << "\n";
  }
  std::string root() const { return root_.string(); }

 private:
  fs::path root_;
};

TEST_F(CgroupTree, V2TakesTheLowestLimitUpToTheRoot) {
  write("memory.max", "max");
  write("jobs/memory.max", "8589934592");          // 8 GiB on the parent
  write("jobs/run-7/memory.max", "17179869184");   // 16 GiB on the group itself
  EXPECT_EQ(cgroup_memory_limit_bytes("0::/jobs/run-7\n", root()), 8589934592);
  write("jobs/memory.max", "max");
  EXPECT_EQ(cgroup_memory_limit_bytes("0::/jobs/run-7\n", root()), 17179869184);
  write("jobs/run-7/memory.max", "max");
  EXPECT_EQ(cgroup_memory_limit_bytes("0::/jobs/run-7\n", root()), 0) << "no limit anywhere";
}

TEST_F(CgroupTree, V1ReadsTheMemoryHierarchyAndIgnoresUnlimited) {
  const std::string self = "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n0::/\n";
  write("memory/memory.limit_in_bytes", "9223372036854771712");  // v1's "unlimited"
  write("memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712");
  EXPECT_EQ(cgroup_memory_limit_bytes(self, root()), 0);
  write("memory/process_api/abc/memory.limit_in_bytes", "2147483648");
  EXPECT_EQ(cgroup_memory_limit_bytes(self, root()), 2147483648);
  // A group path that is not mounted here (another namespace's) still gets the root's limit.
  write("memory/memory.limit_in_bytes", "1073741824");
  EXPECT_EQ(cgroup_memory_limit_bytes("4:cpu,memory:/elsewhere/x\n", root()), 1073741824);
}

TEST_F(CgroupTree, NoCgroupMeansPhysicalMemory) {
  EXPECT_EQ(cgroup_memory_limit_bytes("", root()), 0);
  EXPECT_EQ(cgroup_memory_limit_bytes("garbage without colons\n", root()), 0);
  EXPECT_GT(memory_limit_bytes(), 0);
  EXPECT_LE(memory_limit_bytes(), physical_memory_bytes());
}

}  // namespace
}  // namespace depthscope
