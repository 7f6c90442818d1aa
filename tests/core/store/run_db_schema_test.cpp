// The schema: created on a new file, kept on reopen, migrated forward in one
// transaction, and refused with the file named when it is newer than this code.
#include <gtest/gtest.h>

#include <fstream>

#include "core/store/connection.h"
#include "core/store/run_db.h"
#include "core/store/schema.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using test::fresh_db_path;
using test::RawDb;

TEST(RunDbSchema, NewFileGetsCurrentVersionWalAndForeignKeys) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  EXPECT_EQ(db.schema_version(), current_schema_version());
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT version FROM schema_version"), current_schema_version());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");  // WAL is a property of the file
  for (const char* table : {"experiments", "runs", "metrics", "layer_metrics", "checkpoints", "events"})
    EXPECT_EQ(raw.integer(std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'"), 1)
        << table;
  Statement fk = db.connection().prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.int64(0), 1);
}

TEST(RunDbSchema, ReopenKeepsRowsAndDoesNotMigrateAgain) {
  const std::string path = fresh_db_path();
  std::int64_t run = 0;
  {
    RunDb db(path);
    run = db.create_run({std::nullopt, "pre-12", "pre", RunKind::train, "{}", 100});
  }
  RunDb again(path);
  EXPECT_EQ(again.schema_version(), current_schema_version());
  ASSERT_TRUE(again.get_run(run).has_value());
  EXPECT_EQ(again.get_run(run)->name, "pre-12");
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM schema_version"), 1);
}

TEST(RunDbSchema, NewerVersionIsRefusedNamingTheFileAndBothVersions) {
  const std::string path = fresh_db_path();
  { RunDb db(path); }
  RawDb(path).exec("UPDATE schema_version SET version = 99");
  try {
    RunDb db(path);
    FAIL() << "opened a database from the future";
  } catch (const DatabaseError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("99"), std::string::npos) << m;
    EXPECT_NE(m.find("up to " + std::to_string(current_schema_version())), std::string::npos) << m;
  }
  EXPECT_EQ(RawDb(path).integer("SELECT version FROM schema_version"), 99);  // left unchanged
}

TEST(RunDbSchema, ForeignSqliteFileIsRefused) {
  const std::string path = fresh_db_path();
  RawDb(path).exec("CREATE TABLE photos(id INTEGER)");
  try {
    RunDb db(path);
    FAIL() << "took someone else's database";
  } catch (const DatabaseError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("not a DepthScope run database"), std::string::npos) << m;
  }
}

TEST(RunDbSchema, FileThatIsNotSqliteNamesTheFile) {
  const std::string path = fresh_db_path();
  std::ofstream(path) << "this is a text file, long enough to have a header that is not SQLite's.\n"
                      << std::string(200, 'x');
  try {
    RunDb db(path);
    FAIL() << "opened a text file";
  } catch (const DatabaseError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("not a database"), std::string::npos) << m;
  }
}

// A version-1 file (as DepthScope 0.1 wrote it) holding rows is migrated to the current
// version by the real steps (version 2 adds the ownership columns), and the rows survive.
TEST(RunDbSchema, MigratesVersion1FileForwardKeepingRows) {
  const std::string path = fresh_db_path();
  {
    Connection conn(path, {});
    ASSERT_EQ(migrate(conn, {schema_migrations().front()}), 1);
    conn.exec("INSERT INTO runs(name, scheme, kind, created_at) VALUES ('lns-12', 'lns', 'train', 1)");
  }
  RunDb db(path);
  EXPECT_EQ(db.schema_version(), current_schema_version());
  EXPECT_GE(current_schema_version(), 2);
  RawDb raw(path);
  EXPECT_EQ(raw.text("SELECT name FROM runs WHERE id = 1"), "lns-12");
  EXPECT_EQ(raw.integer("SELECT attempt FROM runs WHERE id = 1"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM pragma_table_info('checkpoints') WHERE name = 'attempt'"), 1);
  Connection conn(path, {});
  EXPECT_EQ(migrate(conn, schema_migrations()), current_schema_version());  // idempotent
}

TEST(RunDbSchema, FailedMigrationLeavesTheOldVersionIntact) {
  const std::string path = fresh_db_path();
  { RunDb db(path); }
  std::vector<Migration> steps = schema_migrations();
  const int before = current_schema_version();
  steps.push_back({before + 1, "CREATE TABLE half_done(x INTEGER); INSERT INTO no_such_table VALUES (1);"});
  Connection conn(path, {});
  try {
    migrate(conn, steps);
    FAIL() << "a broken migration succeeded";
  } catch (const DatabaseError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("no_such_table"), std::string::npos) << m;
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT version FROM schema_version"), before);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"), 0);
}

}  // namespace
}  // namespace depthscope::store
