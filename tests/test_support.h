#pragma once
// Shared helpers for GoogleTest-based tests.
#include <gtest/gtest.h>

#include <filesystem>
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

}  // namespace depthscope::test

// Skip (reported as skipped by ctest) when a reference file is absent, naming it.
#define DS_REQUIRE_SHARED(relative)                                                      \
  do {                                                                                   \
    if (!std::filesystem::exists(::depthscope::test::shared_data(relative)))             \
      GTEST_SKIP() << "reference data missing: " << ::depthscope::test::shared_data(relative); \
  } while (0)
