#pragma once
// Helpers for the run database tests: a fresh database file per test, and raw SQL for
// checking what is really in the file (the schema is a contract for outside readers).
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "tests/test_support.h"

namespace depthscope::store::test {

// <DEPTHSCOPE_TEST_TMP>/store_<Suite>_<Test>/runs.db, in a folder emptied first.
inline std::string fresh_db_path() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("store_") + info->test_suite_name() + "_" + info->name();
  return (depthscope::test::scratch_dir(name) / "runs.db").string();
}

// The pid of a process that has exited and been waited for.
inline std::int64_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

// A plain sqlite3 connection, as an outside tool would open the file.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + msg);
    }
  }
  // The first column of the first row as text ("" for NULL or no row).
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
  }
  long long integer(const std::string& sql) {
    std::string t = text(sql);
    return t.empty() ? 0 : std::stoll(t);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace depthscope::store::test
