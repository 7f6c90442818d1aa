// core/runtime/install_layout: data_dir and find_spec in the build tree (the installed layout
// is checked by tests/install/install_layout_test.sh, ctest install_layout).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/runtime/install_layout.h"

namespace fs = std::filesystem;
using namespace depthscope;

TEST(InstallLayout, DataDirIsTheSourceTreeResourcesInTheBuildTree) {
  const std::string dir = data_dir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / "specs" / "tiny-pair.json")) << dir;
}

TEST(InstallLayout, FindSpecByNameWithOrWithoutExtension) {
  const fs::path want = fs::path(data_dir()) / "specs" / "tiny-pair.json";
  EXPECT_EQ(find_spec("tiny-pair"), want.string());
  EXPECT_EQ(find_spec("tiny-pair.json"), want.string());
}

TEST(InstallLayout, FindSpecKeepsPathsAndRejectsUnknownNames) {
  const std::string path = (fs::path(data_dir()) / "specs" / "deep-narrow-pair.json").string();
  EXPECT_EQ(find_spec(path), path);
  EXPECT_EQ(find_spec("no-such-spec"), "");
  EXPECT_EQ(find_spec("specs/tiny-pair.json"), "");  // a relative path is never a spec name
  EXPECT_EQ(find_spec(""), "");
}

TEST(InstallLayout, ExecutableDirIsAnExistingFolder) {
  EXPECT_TRUE(fs::is_directory(executable_dir())) << executable_dir();
}
