// A run database is input from whoever made it (issue 20, items 5 and 11): opening a file
// that is not DepthScope's changes nothing in it; the schema must be exactly DepthScope's
// (no trigger, view, extra table, or table where an index belongs); the connection is
// defensive; values and row counts are bounded; a read-only open writes nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/store/connection.h"
#include "core/store/run_db.h"
#include "core/store/schema.h"
#include "core/store/store_limits.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

namespace fs = std::filesystem;
using test::fresh_db_path;
using test::RawDb;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The DatabaseError message of opening `path` with `options` ("" when it opens).
std::string open_error(const std::string& path, const StoreOptions& options = {}) {
  try {
    RunDb db(path, options);
  } catch (const DatabaseError& e) {
    return e.what();
  }
  return "";
}

StoreOptions read_only() {
  StoreOptions o;
  o.read_only = true;
  return o;
}

void expect_has(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

TEST(UntrustedDb, ForeignSqliteFileIsRefusedByteIdenticalAndNotSwitchedToWal) {
  const std::string path = fresh_db_path();
  {
    RawDb raw(path);  // another program's file, in SQLite's default rollback-journal mode
    raw.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('keep me');");
  }
  const std::string before = bytes_of(path);
  ASSERT_EQ(before.substr(18, 2), std::string("\x01\x01", 2));  // header: rollback journal
  for (const StoreOptions& o : {StoreOptions{}, read_only()}) {
    const std::string m = open_error(path, o);
    expect_has(m, path);
    expect_has(m, "not a DepthScope run database");
    expect_has(m, "'notes'");
  }
  EXPECT_EQ(bytes_of(path), before);  // before the fix, the header said WAL (2, 2) here
  for (const char* side : {"-wal", "-shm", "-journal"}) EXPECT_FALSE(fs::exists(path + side)) << side;
}

TEST(UntrustedDb, ForeignWalFileKeepsItsUncheckpointedTransactions) {
  // A foreign WAL database whose last transactions are still in its -wal: a read-write
  // connection that closed normally would checkpoint them into the file.
  const std::string dir = fs::path(fresh_db_path()).parent_path().string();
  const std::string live = dir + "/live.db", path = dir + "/foreign.db";
  {
    RawDb raw(live);
    raw.exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE notes(body TEXT);"
             "INSERT INTO notes VALUES ('in the wal only');");
    fs::copy_file(live, path);
    fs::copy_file(live + "-wal", path + "-wal");
  }
  const std::string db_before = bytes_of(path), wal_before = bytes_of(path + "-wal");
  ASSERT_GT(wal_before.size(), 32u);
  expect_has(open_error(path), "not a DepthScope run database");
  EXPECT_EQ(bytes_of(path), db_before);
  ASSERT_TRUE(fs::exists(path + "-wal"));
  EXPECT_EQ(bytes_of(path + "-wal"), wal_before);
}

TEST(UntrustedDb, LeftoverRollbackJournalIsRefusedBeforeReading) {
  const std::string path = fresh_db_path();
  { RawDb(path).exec("CREATE TABLE notes(body TEXT);"); }
  std::ofstream(path + "-journal", std::ios::binary) << std::string(512, '\x7f');
  const std::string before = bytes_of(path);
  const std::string m = open_error(path);
  expect_has(m, "-journal");
  EXPECT_EQ(bytes_of(path), before);
}

// A journal that goes within a second is another DepthScope connection creating the file at
// that moment, not a program that stopped mid-write: the open waits for it and succeeds.
TEST(UntrustedDb, AJournalThatGoesAtOnceIsAFileBeingCreated) {
  const std::string path = fresh_db_path();
  { RunDb db(path); }
  std::ofstream(path + "-journal", std::ios::binary) << std::string(512, '\x7f');
  std::thread creator([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    fs::remove(path + "-journal");
  });
  EXPECT_NO_THROW(RunDb{path});
  creator.join();
}

TEST(UntrustedDb, EmptyFileBecomesARunDatabaseButOneMarkedByAnotherProgramDoesNot) {
  const std::string path = fresh_db_path();
  std::ofstream(path).close();  // zero bytes: `touch runs.db`
  EXPECT_EQ(open_error(path), "");
  EXPECT_EQ(RunDb(path).schema_version(), current_schema_version());

  const std::string marked = fs::path(path).parent_path() / "marked.db";
  { RawDb(marked).exec("PRAGMA user_version = 7;"); }
  const std::string before = bytes_of(marked);
  expect_has(open_error(marked), "user_version 7");
  EXPECT_EQ(bytes_of(marked), before);
  // Opened read-only, an empty file is not created into a run database either.
  const std::string empty = fs::path(path).parent_path() / "empty.db";
  std::ofstream(empty).close();
  expect_has(open_error(empty, read_only()), "empty");
  EXPECT_EQ(fs::file_size(empty), 0u);
}

// A DepthScope database edited by `sql` afterwards (as a hostile author would).
std::string edited_db(const std::string& sql) {
  const std::string path = fresh_db_path();
  {
    RunDb db(path);
    db.create_run({std::nullopt, "pre", "pre", RunKind::train, "{}", 10});
  }
  RawDb(path).exec(sql);
  return path;
}

TEST(UntrustedDb, TriggerOnMetricsIsRefusedNamingItAndNeverFires) {
  const std::string path = edited_db(
      "CREATE TABLE stolen(x); "
      "CREATE TRIGGER exfiltrate AFTER INSERT ON metrics BEGIN INSERT INTO stolen VALUES (new.key); "
      "DELETE FROM runs; END;");
  const std::string before = bytes_of(path);
  for (const StoreOptions& o : {StoreOptions{}, read_only()}) {
    const std::string m = open_error(path, o);
    expect_has(m, "an extra trigger 'exfiltrate' on metrics");
    expect_has(m, "an extra table 'stolen'");
    expect_has(m, path);
  }
  EXPECT_EQ(bytes_of(path), before);
  EXPECT_EQ(RawDb(path).integer("SELECT count(*) FROM runs"), 1);
}

TEST(UntrustedDb, ViewAndTableWhereAnIndexBelongsAreRefusedNamingThem) {
  const std::string path = edited_db(
      "DROP INDEX metrics_by_run; CREATE TABLE metrics_by_run(x); CREATE VIEW recent AS SELECT * FROM runs;");
  const std::string m = open_error(path);
  expect_has(m, "'metrics_by_run' is a table where DepthScope has an index");
  expect_has(m, "an extra view 'recent'");
}

TEST(UntrustedDb, ChangedDefinitionAndMissingIndexAreRefused) {
  const std::string path = edited_db("ALTER TABLE events ADD COLUMN note TEXT; DROP INDEX events_by_run;");
  const std::string m = open_error(path);
  expect_has(m, "table 'events' is defined differently from DepthScope's");
  expect_has(m, "index 'events_by_run' on events is missing");
}

TEST(UntrustedDb, StatisticsTablesOfAnalyzeAreAccepted) {
  const std::string path = edited_db("ANALYZE;");
  ASSERT_EQ(RawDb(path).integer("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"), 1);
  EXPECT_EQ(open_error(path), "");
}

TEST(UntrustedDb, EveryReleasedVersionPassesTheCheckBeforeItIsMigrated) {
  // A file as each earlier DepthScope left it: the reference is built from
  // schema_migrations() up to the file's own version, so older files are not refused.
  for (const Migration& last : schema_migrations()) {
    const std::string path =
        (fs::path(fresh_db_path()).parent_path() / ("v" + std::to_string(last.to_version) + ".db")).string();
    {
      RawDb raw(path);
      raw.exec("PRAGMA journal_mode=WAL;");
      for (const Migration& m : schema_migrations())
        if (m.to_version <= last.to_version) raw.exec(m.sql);
      raw.exec("UPDATE schema_version SET version = " + std::to_string(last.to_version));
    }
    EXPECT_EQ(open_error(path), "") << "version " << last.to_version;
    EXPECT_EQ(RunDb(path).schema_version(), current_schema_version());
  }
}

TEST(UntrustedDb, ConnectionIsDefensiveWithoutTrustedSchemaOrExtensions) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  sqlite3* h = db.connection().handle();
  int on = -1;
  ASSERT_EQ(sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, -1, &on), SQLITE_OK);
  EXPECT_EQ(on, 1);
  ASSERT_EQ(sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, -1, &on), SQLITE_OK);
  EXPECT_EQ(on, 0);
  ASSERT_EQ(sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, -1, &on), SQLITE_OK);
  EXPECT_EQ(on, 0);
  EXPECT_EQ(sqlite3_limit(h, SQLITE_LIMIT_LENGTH, -1), kMaxValueBytes);
  EXPECT_EQ(sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, -1), 0);
  // What those settings refuse, tried for real.
  EXPECT_THROW(db.connection().exec("SELECT load_extension('/tmp/nothing.so')"), DatabaseError);
  EXPECT_THROW(db.connection().exec(("ATTACH '" + path + ".other' AS other").c_str()), DatabaseError);
  db.connection().exec("PRAGMA writable_schema=ON");  // ignored in defensive mode ...
  EXPECT_THROW(db.connection().exec("UPDATE sqlite_master SET sql = 'x' WHERE name = 'runs'"), DatabaseError);
}

TEST(UntrustedDb, HundredMegabyteSpecJsonIsRefusedNamingItWithoutLoadingIt) {
  const std::string path = edited_db("UPDATE runs SET spec_json = hex(zeroblob(50000000)) WHERE id = 1;");
  ASSERT_EQ(RawDb(path).integer("SELECT length(spec_json) FROM runs WHERE id = 1"), 100000000);
  // Debian builds SQLite without memory statistics; turn them on (no connection is open).
  ASSERT_EQ(sqlite3_shutdown(), SQLITE_OK);
  ASSERT_EQ(sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1), SQLITE_OK);
  ASSERT_EQ(sqlite3_initialize(), SQLITE_OK);
  sqlite3_memory_highwater(1);  // measure from here
  {
    RunDb db(path);
    for (int call = 0; call < 2; ++call) {
      try {
        if (call == 0) db.get_run(1);
        else db.list_runs();
        FAIL() << "read a 100 MB spec_json";
      } catch (const DatabaseError& e) {
        const std::string m = e.what();
        expect_has(m, "run 1 spec_json");
        expect_has(m, "8 MiB");
        expect_has(m, path);
      }
    }
  }
  // The value was never loaded: SQLite's peak allocation stayed far below its size.
  const sqlite3_int64 peak = sqlite3_memory_highwater(0);
  ASSERT_GT(peak, 0);  // the statistics were on: opening the database allocated
  std::printf("SQLite's peak allocation while refusing a 100 MB spec_json: %lld bytes\n", static_cast<long long>(peak));
  EXPECT_LT(peak, 16 << 20) << "bytes";
  fs::remove(path);
}

TEST(UntrustedDb, SpecJsonOverFourMegabytesIsRefusedWhenReadAndWhenWritten) {
  const std::string path = edited_db("UPDATE runs SET spec_json = hex(zeroblob(2600000)) WHERE id = 1;");
  RunDb db(path);
  try {
    db.get_run(1);
    FAIL() << "read a 5.2 MB spec_json";
  } catch (const DatabaseError& e) {
    expect_has(e.what(), "run 1 spec_json");
    expect_has(e.what(), "5200000 bytes, over the 4 MiB");
  }
  NewRun big{std::nullopt, "big", "pre", RunKind::train, std::string(kMaxSpecJsonBytes + 1, ' '), 1};
  try {
    db.create_run(big);
    FAIL() << "wrote an oversized spec";
  } catch (const DatabaseError& e) {
    expect_has(e.what(), "run 'big' spec_json");
  }
}

TEST(UntrustedDb, ListingMoreRunsThanTheBoundIsRefused) {
  const std::string path = edited_db(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(kMaxRunsRead) + ") INSERT INTO runs(name, kind, created_at) SELECT 'r' || i, 'train', 0 FROM n;");
  RunDb db(path);
  try {
    db.list_runs();
    FAIL() << "listed more than kMaxRunsRead runs";
  } catch (const DatabaseError& e) {
    expect_has(e.what(), "more than " + std::to_string(kMaxRunsRead) + " runs");
  }
}

TEST(UntrustedDb, ReadOnlyOpenWritesNothingAndReapsNothing) {
  const std::string path = fresh_db_path();
  {
    StoreOptions o;
    o.reap_on_open = false;
    RunDb db(path, o);
    const std::int64_t run = db.create_run({std::nullopt, "pre", "pre", RunKind::train, "{}", 10});
    db.mark_running(run, 999999999, "some-other-host");  // would be reaped: no heartbeat for ages
    RawDb(path).exec("UPDATE runs SET heartbeat_at = 1, started_at = 1");
  }
  ASSERT_FALSE(fs::exists(path + "-wal"));  // the last connection checkpointed and removed it
  const std::string before = bytes_of(path);
  {
    RunDb db(path, read_only());
    EXPECT_TRUE(db.read_only());
    const std::vector<RunRecord> runs = db.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, RunStatus::running);  // shown as stored, not reaped
    EXPECT_THROW(db.add_event(std::nullopt, EventLevel::info, "x"), DatabaseError);
  }
  EXPECT_EQ(bytes_of(path), before);
  // Opened to write, the same file is reaped: the difference above is the read-only flag.
  EXPECT_EQ(RunDb(path).get_run(1)->status, RunStatus::failed);
}

}  // namespace
}  // namespace depthscope::store
