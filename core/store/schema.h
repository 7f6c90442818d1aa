#pragma once
// The run database's schema and its migrations. The schema is a contract read by the
// GUI, the CLI and outside tools (sqlite3, pandas); docs/runs.md documents it. Changing
// it means adding a Migration, never editing a released one.
#include <string>
#include <vector>

namespace depthscope::store {

class Connection;

// One step of the schema's history: SQL that brings version `to_version - 1` to
// `to_version`.
struct Migration {
  int to_version;
  std::string sql;
};

// The store's own history; the last step's version is the one this code writes.
const std::vector<Migration>& schema_migrations();
int current_schema_version();

// The file's schema version: 0 for an empty file. Throws DatabaseError naming the file
// when it holds tables but no schema_version (not a DepthScope run database).
int read_schema_version(Connection& conn);

// Checks, reading only, that the file is a DepthScope run database and returns its schema
// version, 0 for a file with no schema objects at all (a new file, to be created). The
// file's sqlite_master must equal, row for row (type, name, tbl_name, sql), that of an
// in-memory database brought to the same version by `steps`: an extra trigger, view, index
// or table, a missing one, a table where an index belongs, or a definition that differs is
// refused, naming each. Only SQLite's own sqlite_stat1/sqlite_stat4 tables (ANALYZE) may be
// extra. Throws DatabaseError naming the file; never writes.
int check_run_database(Connection& conn, const std::vector<Migration>& steps);

// Brings the database to the last version of `steps` (normally schema_migrations()):
// every missing step in one transaction, so a crash leaves the old version intact and
// two processes opening a new file at once do not both create it. A file newer than the
// last step throws DatabaseError naming the file and both versions. Returns the version.
int migrate(Connection& conn, const std::vector<Migration>& steps);

}  // namespace depthscope::store
