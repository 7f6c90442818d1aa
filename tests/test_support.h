#pragma once
// Shared helpers for GoogleTest-based tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace depthscope::test {

inline std::string shared_data(const std::string& relative) {
  return std::string(DEPTHSCOPE_SHARED_DATA) + "/" + relative;
}

// A fresh, empty scratch folder for one test.
inline std::filesystem::path scratch_dir(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(DEPTHSCOPE_TEST_TMP) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

// Writes `text` to `path` as bytes and returns the path. One definition for all tests: two
// inline write_text of one signature but different return types once broke the core tests
// (the linker kept one; only -O1 builds, which do not inline them, called the wrong one).
inline std::string write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

}  // namespace depthscope::test

// Skip (reported as skipped by ctest) when a reference file is absent, naming it.
#define DS_REQUIRE_SHARED(relative)                                                      \
  do {                                                                                   \
    if (!std::filesystem::exists(::depthscope::test::shared_data(relative)))             \
      GTEST_SKIP() << "reference data missing: " << ::depthscope::test::shared_data(relative); \
  } while (0)
