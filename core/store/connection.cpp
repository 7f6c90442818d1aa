#include "core/store/connection.h"

#include <sqlite3.h>

#include <chrono>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>
#include <utility>

#include "core/store/store_limits.h"

namespace depthscope::store {
namespace {

namespace fs = std::filesystem;

// A rollback journal beside the file that stays for a second: another program stopped
// mid-write. One that goes sooner belonged to a DepthScope process creating the file at that
// moment (switching a new file to WAL writes once through a journal): a window opening its
// new run database from two threads saw it and refused the file.
bool lasting_journal(const std::string& path) {
  using namespace std::chrono_literals;
  for (int i = 0; i < 20; ++i) {
    std::error_code ec;
    if (!(fs::file_size(path + "-journal", ec) > 0 && !ec)) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// A -wal file no longer than its header holds no transaction.
constexpr std::uintmax_t kWalHeaderBytes = 32;

// file:<absolute path>?immutable=1, with every byte outside [A-Za-z0-9/._~-] percent-encoded
// (SQLite's URI rules: '?', '#' and '%' would otherwise end or escape the path).
std::string immutable_uri(const std::string& path) {
  const std::string abs = fs::absolute(path).string();
  std::string uri = "file:";
  for (unsigned char c : abs) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
      uri += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      uri += '%';
      uri += hex[c >> 4];
      uri += hex[c & 15];
    }
  }
  return uri + "?immutable=1";
}

// After busy_timeout has run out a transaction is retried this many times, pausing
// 20, 40, 80, ... ms: a training process that checkpoints a large batch must not make a
// reader or another writer give up.
constexpr int kBusyRetries = 5;
constexpr int kFirstPauseMs = 20;

bool is_busy(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// What the user can do about the commoner failures, appended to SQLite's message.
std::string hint(int code) {
  if (code == SQLITE_CONSTRAINT_FOREIGNKEY)
    return " (a row names a run that does not exist; was the run deleted while it was written?)";
  switch (code & 0xff) {
    case SQLITE_FULL:
      return " (the disk is full or the database reached its size cap, PRAGMA max_page_count; "
             "rows that were committed before are intact)";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return " (another process kept the database locked; retried with pauses and gave up)";
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return " (check that the file and its folder exist and are writable: SQLite's WAL "
             "mode also writes <file>-wal and <file>-shm beside it)";
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return " (this file is not a DepthScope run database, or it is damaged)";
    case SQLITE_TOOBIG:
      return " (a value is larger than the " + std::to_string(kMaxValueBytes >> 20) +
             " MiB DepthScope reads or writes in a run database)";
    default:
      return "";
  }
}

// A short name for a statement in error messages: its first words.
std::string summary(sqlite3_stmt* stmt) {
  const char* sql = stmt ? sqlite3_sql(stmt) : nullptr;
  std::string s = sql ? sql : "statement";
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace

// --- Statement ----------------------------------------------------------------------

Statement::Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use)
    : conn_(&conn), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (!stmt_) return;
  if (in_use_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind_int(int i, std::int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) conn_->fail(rc, "bind " + summary(stmt_));
  return *this;
}

Statement& Statement::bind_optional_int(int i, const std::optional<std::int64_t>& v) {
  return v ? bind_int(i, *v) : bind_null(i);
}

Statement& Statement::bind_real(int i, double v) {
  if (std::isnan(v)) return bind_null(i);  // SQLite would do the same; say it here
  int rc = sqlite3_bind_double(stmt_, i, v);
  if (rc != SQLITE_OK) conn_->fail(rc, "bind " + summary(stmt_));
  return *this;
}

Statement& Statement::bind_text(int i, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) conn_->fail(rc, "bind " + summary(stmt_));
  return *this;
}

Statement& Statement::bind_null(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) conn_->fail(rc, "bind " + summary(stmt_));
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_->fail(rc, summary(stmt_));
}

void Statement::run() {
  while (step()) {
  }
}

Statement& Statement::reset() {
  sqlite3_reset(stmt_);  // returns the last step's error, which step() already threw
  return *this;
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<std::int64_t> Statement::optional_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

double Statement::real(int col) const {
  if (is_null(col)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, col);
}

std::string Statement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  if (!t) return {};
  return std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col));
}

// --- Connection ---------------------------------------------------------------------

Connection::Connection(std::string path, const StoreOptions& options)
    : path_(std::move(path)), read_only_(options.read_only) {
  const bool in_memory = path_ == ":memory:";
  if (!in_memory && lasting_journal(path_))
    throw DatabaseError(path_, "open",
                        "beside it is a rollback journal, " + path_ +
                            "-journal, that another program left when it stopped mid-write; reading "
                            "the file would play it back into the file, and DepthScope's run "
                            "databases never have one (they use WAL), so this is not a DepthScope "
                            "run database (it was left unchanged)");
  if (!read_only_) {
    open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options);
    return;
  }
  open(path_, SQLITE_OPEN_READONLY, options);
  try {
    exec("SELECT count(*) FROM sqlite_master");  // the first read: opens <file>-shm if WAL
    return;
  } catch (const DatabaseError& e) {
    const int primary = e.code() & 0xff;
    if (primary != SQLITE_CANTOPEN && primary != SQLITE_READONLY) {
      close();
      throw;
    }
  }
  // A WAL file that SQLite cannot read without creating <file>-shm: a read-only folder.
  // immutable=1 reads the file alone, which is exact only when <file>-wal holds nothing.
  close();
  std::error_code ec;
  const std::uintmax_t wal = fs::file_size(path_ + "-wal", ec);
  if (!ec && wal > kWalHeaderBytes)
    throw DatabaseError(path_, "open read-only",
                        "SQLite cannot read it here: the folder is read-only, " + path_ +
                            "-wal holds transactions not yet copied into the file, and " + path_ +
                            "-shm (which SQLite needs to read them) is missing and cannot be "
                            "created; copy the file with its -wal to a writable folder and open "
                            "the copy");
  open(immutable_uri(path_), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, options);
  immutable_ = true;
  try {
    exec("SELECT count(*) FROM sqlite_master");
  } catch (...) {
    close();
    throw;
  }
}

void Connection::open(const std::string& name, int flags, const StoreOptions& options) {
  int rc = sqlite3_open_v2(name.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError(path_, "open", msg + hint(rc), rc);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    // The file may come from someone else (docs/runs.md): its schema's SQL must not run
    // functions with side effects, nothing may load an extension or attach another file,
    // and no value it holds is loaded above kMaxValueBytes. Views are off (DepthScope has
    // none; a view is code in the file). Until RunDb has checked the schema, closing must
    // not checkpoint a -wal into a file that may not be DepthScope's.
    struct Flag {
      int op, value;
      const char* name;
    };
    for (const Flag& f : {Flag{SQLITE_DBCONFIG_DEFENSIVE, 1, "DEFENSIVE"},
                          Flag{SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, "TRUSTED_SCHEMA"},
                          Flag{SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, "ENABLE_LOAD_EXTENSION"},
                          Flag{SQLITE_DBCONFIG_ENABLE_VIEW, 0, "ENABLE_VIEW"},
                          Flag{SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, "NO_CKPT_ON_CLOSE"}}) {
      int now = -1;
      rc = sqlite3_db_config(db_, f.op, f.value, &now);
      if (rc != SQLITE_OK || now != f.value)
        throw DatabaseError(path_, "open", std::string("SQLite refused SQLITE_DBCONFIG_") + f.name, rc);
    }
    sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, static_cast<int>(kMaxValueBytes));
    sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    exec("PRAGMA foreign_keys=ON");  // a setting of this connection; the file is untouched
  } catch (...) {
    close();
    throw;
  }
}

void Connection::close() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c.stmt);
  cache_.clear();
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Connection::use_wal(const StoreOptions& options) {
  if (read_only_) throw DatabaseError(path_, "use WAL", "the database was opened read-only");
  // WAL lets the GUI read while a training process writes. Switching needs the write
  // lock once per file, so it is retried like a write.
  std::string mode;
  for (int attempt = 0;; ++attempt) {
    try {
      Statement s = prepare("PRAGMA journal_mode=WAL");
      mode = s.step() ? s.text(0) : "";
      break;
    } catch (const DatabaseError& e) {
      if (!is_busy(e.code()) || attempt >= kBusyRetries) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(kFirstPauseMs << attempt));
    }
  }
  if (mode != "wal")
    throw DatabaseError(path_, "journal_mode",
                        "SQLite could not switch to WAL mode (it reported '" + mode +
                            "'); the run database must live on a local file system");
  // NORMAL in WAL mode: a committed transaction survives a crash of the process (not
  // necessarily of the machine), at a fraction of FULL's fsync cost.
  exec("PRAGMA synchronous=NORMAL");
  if (options.max_pages > 0)
    exec(("PRAGMA max_page_count=" + std::to_string(options.max_pages)).c_str());
  int now = -1;
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, &now);
}

Connection::~Connection() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c.stmt);
  cache_.clear();
  rollback_quietly();
  sqlite3_close_v2(db_);
}

void Connection::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    fail(rc, sql);
  }
}

Statement Connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return Statement(*this, it->second.stmt, it->second.in_use.get());
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare " + sql.substr(0, 60));
  if (it != cache_.end()) return Statement(*this, stmt, nullptr);  // cached copy busy
  Cached& c = cache_[sql];
  c.stmt = stmt;
  c.in_use = std::make_unique<bool>(true);
  return Statement(*this, stmt, c.in_use.get());
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Connection::changes() const { return sqlite3_changes(db_); }

void Connection::fail(int rc, const std::string& what) const {
  std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  // sqlite3_errmsg can lag behind a code returned by exec/step; prefer the code's text
  // when they disagree about what happened.
  if (db_ && (sqlite3_extended_errcode(db_) & 0xff) != (rc & 0xff)) msg = sqlite3_errstr(rc);
  throw DatabaseError(path_, what, msg + hint(rc), rc);
}

void Connection::write(const std::string& what, const std::function<void()>& body) {
  transaction("BEGIN IMMEDIATE", what, body);
}

void Connection::read(const std::string& what, const std::function<void()>& body) {
  transaction("BEGIN", what, body);
}

void Connection::transaction(const char* begin, const std::string& what,
                             const std::function<void()>& body) {
  if (depth_ > 0) {  // join the outer transaction; it owns commit and retry
    body();
    return;
  }
  for (int attempt = 0;; ++attempt) {
    try {
      exec(begin);
      depth_ = 1;
      body();
      exec("COMMIT");
      depth_ = 0;
      return;
    } catch (const DatabaseError& e) {
      depth_ = 0;
      rollback_quietly();
      if (e.code() == 0) throw;  // found by DepthScope, already worded for the user
      if (is_busy(e.code()) && attempt < kBusyRetries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kFirstPauseMs << attempt));
        continue;
      }
      throw DatabaseError(path_, what, e.problem(), e.code());
    } catch (...) {
      depth_ = 0;
      rollback_quietly();
      throw;
    }
  }
}

void Connection::rollback_quietly() {
  // SQLite may already have rolled back on its own (SQLITE_FULL, SQLITE_IOERR).
  if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace depthscope::store
