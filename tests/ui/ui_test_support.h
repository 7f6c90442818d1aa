#pragma once
// QtTest counterpart of tests/test_support.h (which is GoogleTest-only): reference data by
// path, and a skip that names the missing file (ctest reports it as skipped, never passed).
#include <filesystem>
#include <string>

#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

namespace depthscope::test {

inline std::string shared_data(const std::string& relative) {
  return std::string(DEPTHSCOPE_SHARED_DATA) + "/" + relative;
}

// Gives this test program a home of its own, before anything reads a setting: ctest runs the
// ui tests in parallel, and with one shared QSettings file and one AppData folder a test read
// the run database another test had just chosen. Settings, AppData and Pictures all go under a
// temporary folder that lives as long as the program.
inline void use_own_settings() {
  static QTemporaryDir home;
  qputenv("HOME", QFile::encodeName(home.path()));
  QStandardPaths::setTestModeEnabled(true);  // ~/.qttest/... under that home
  const QString config = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, config);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, config);
}

}  // namespace depthscope::test

#define DS_QREQUIRE_SHARED(relative)                                                              \
  do {                                                                                            \
    if (!std::filesystem::exists(::depthscope::test::shared_data(relative)))                      \
      QSKIP(qPrintable(QString::fromStdString("reference data missing: " +                        \
                                              ::depthscope::test::shared_data(relative))));       \
  } while (0)
