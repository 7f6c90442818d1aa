#pragma once
// How a process opens the run database. Plain values so the GUI, the CLI and training
// processes can all pass them around without SQLite or torch headers.
#include <cstdint>

namespace depthscope::store {

struct StoreOptions {
  // SQLite waits this long for another process's write lock before reporting SQLITE_BUSY;
  // writers then retry the whole transaction a few times with growing pauses.
  int busy_timeout_ms = 5000;
  // PRAGMA max_page_count for this connection: a cap on the file's size in pages (4 KiB
  // each). 0 keeps SQLite's default, which is no practical cap. Writes past the cap fail
  // with a DatabaseError (SQLITE_FULL) and leave committed rows intact.
  std::int64_t max_pages = 0;
  // Mark runs whose process is gone as failed when the database is opened (see
  // RunDb::reap_stale_runs). A process that only writes metrics may turn this off.
  bool reap_on_open = true;
  // A running run whose heartbeat is older than this is taken to be lost even when its
  // pid cannot be checked (another host, or the pid was reused).
  std::int64_t stale_after_ms = 10 * 60 * 1000;
  // Open without ever writing to the file or its folder (SQLITE_OPEN_READONLY): no WAL
  // switch, no migration, no reaping (reap_on_open is ignored). For a read-only file or a
  // read-only folder; where SQLite cannot create <file>-shm there, the file is opened as
  // immutable (docs/runs.md, "Read-only databases"). Writes throw DatabaseError.
  bool read_only = false;
};

}  // namespace depthscope::store
