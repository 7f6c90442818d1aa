#pragma once
// Thin RAII over the SQLite C API, used only inside core/store: one connection opened
// the way every DepthScope process must open the run database (as untrusted input first:
// defensive, no schema functions, no extensions, bounded values; then, once RunDb has
// checked that the file is a DepthScope run database, WAL), cached prepared statements,
// and transactions that retry SQLITE_BUSY.
// SQLite's types are only forward-declared, so no header of the store pulls in
// <sqlite3.h>.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/store/store_error.h"
#include "core/store/store_options.h"

struct sqlite3;
struct sqlite3_stmt;

namespace depthscope::store {

class Connection;

// A prepared statement borrowed from the connection's cache; reset on destruction so
// the next user starts clean. Not copyable.
class Statement {
 public:
  Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Parameters are numbered from 1, as in SQLite.
  Statement& bind_int(int i, std::int64_t v);
  Statement& bind_optional_int(int i, const std::optional<std::int64_t>& v);
  // NaN is bound as NULL: that is the store's representation of NaN (docs/runs.md).
  // +-Inf are stored as REAL infinities, which SQLite keeps exactly.
  Statement& bind_real(int i, double v);
  Statement& bind_text(int i, std::string_view v);
  Statement& bind_null(int i);

  // Advances to the next row: true while a row is ready, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Makes the statement ready to run again (bindings are kept until rebound).
  Statement& reset();

  // Columns are numbered from 0, as in SQLite.
  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  std::optional<std::int64_t> optional_int64(int col) const;
  // NULL reads back as NaN (the store's NaN).
  double real(int col) const;
  std::string text(int col) const;  // NULL reads as ""

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache's flag; nullptr for an uncached statement, finalized here
};

class Connection {
 public:
  // Opens (creating when absent, unless options.read_only) and configures the connection
  // without writing anything to the file: SQLITE_DBCONFIG_DEFENSIVE, trusted_schema off,
  // extensions and views off, SQLITE_LIMIT_LENGTH = kMaxValueBytes, no ATTACH, busy
  // timeout, foreign keys, and no checkpoint when it closes. A read-only connection that
  // cannot read because SQLite cannot create <file>-shm (a read-only folder) reopens the
  // file as immutable, unless <file>-wal holds transactions (which immutable would hide:
  // refused, saying so). A non-empty <file>-journal (a rollback journal another program
  // left, which reading would play back into the file) is refused. Throws DatabaseError
  // naming `path`.
  Connection(std::string path, const StoreOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  bool read_only() const { return read_only_; }
  bool immutable() const { return immutable_; }

  // For a file checked to be a DepthScope run database (or empty, to become one): switches
  // it to WAL (a write, once per file), sets synchronous=NORMAL and max_page_count, and
  // lets the last connection checkpoint when it closes. Not for read-only connections.
  void use_wal(const StoreOptions& options);

  // Runs SQL text (one or more statements) without results.
  void exec(const char* sql);
  // A prepared statement for `sql`, cached by its text. A statement still in use (a
  // caller iterating it while calling another function that prepares the same text)
  // gets a fresh uncached copy instead.
  Statement prepare(const std::string& sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;

  // Runs `body` in a BEGIN IMMEDIATE transaction: the write lock is taken up front so
  // SQLite's busy handler (busy_timeout) applies, and if the lock still cannot be had the
  // whole transaction is retried with growing pauses. `body` may therefore run more than
  // once and must only touch the database. Any exception rolls back and is rethrown;
  // DatabaseErrors are rethrown with `what` naming the operation. Nested calls join the
  // outer transaction.
  void write(const std::string& what, const std::function<void()>& body);
  // The same for reads: one consistent snapshot for several statements.
  void read(const std::string& what, const std::function<void()>& body);

  // Throws DatabaseError for result code `rc` with SQLite's message for this connection.
  [[noreturn]] void fail(int rc, const std::string& what) const;

 private:
  void transaction(const char* begin, const std::string& what, const std::function<void()>& body);
  void rollback_quietly();
  void open(const std::string& name, int flags, const StoreOptions& options);
  void close();

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    std::unique_ptr<bool> in_use;
  };
  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Cached> cache_;
  int depth_ = 0;  // nesting of write()/read()
  bool read_only_ = false;
  bool immutable_ = false;
};

}  // namespace depthscope::store
