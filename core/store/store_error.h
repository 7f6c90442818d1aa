#pragma once
// The run database's error: a FileError (so callers that already report file problems
// handle it) that names the database file, what DepthScope was doing, and SQLite's own
// message, e.g. "runs.db: insert 4096 metric rows: database or disk is full".
#include <string>

#include "core/error.h"

namespace depthscope::store {

class DatabaseError : public FileError {
 public:
  // `code` is SQLite's extended result code (SQLITE_FULL, SQLITE_BUSY, ...), 0 when the
  // problem was found by DepthScope rather than reported by SQLite.
  DatabaseError(std::string path, std::string what, const std::string& problem, int code = 0)
      : FileError(std::move(path), std::move(what), problem), code_(code) {}

  int code() const { return code_; }

 private:
  int code_;
};

}  // namespace depthscope::store
