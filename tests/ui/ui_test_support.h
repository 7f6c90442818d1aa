#pragma once
// QtTest counterpart of tests/test_support.h (which is GoogleTest-only): reference data by
// path, and a skip that names the missing file (ctest reports it as skipped, never passed).
#include <filesystem>
#include <string>

#include <QtTest>

namespace depthscope::test {

inline std::string shared_data(const std::string& relative) {
  return std::string(DEPTHSCOPE_SHARED_DATA) + "/" + relative;
}

}  // namespace depthscope::test

#define DS_QREQUIRE_SHARED(relative)                                                              \
  do {                                                                                            \
    if (!std::filesystem::exists(::depthscope::test::shared_data(relative)))                      \
      QSKIP(qPrintable(QString::fromStdString("reference data missing: " +                        \
                                              ::depthscope::test::shared_data(relative))));       \
  } while (0)
