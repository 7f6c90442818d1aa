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

namespace depthscope::store {

// A training process found that it no longer owns its run (docs/runs.md, "Ownership"):
// another attempt claimed it, or it was queued again, ended elsewhere or deleted. The
// process must stop training at once and write nothing more to the run.
class LeaseLost : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

// A claim of a run that cannot be granted: the run is held by a live process (named), has
// checkpoints that a start from step 0 would mix with, or is in a status that cannot train.
class ClaimRefused : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

}  // namespace depthscope::store
