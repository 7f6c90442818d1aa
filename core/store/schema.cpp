#include "core/store/schema.h"

#include <map>
#include <mutex>

#include "core/store/connection.h"
#include "core/store/store_limits.h"

namespace depthscope::store {
namespace {

// Version 1. Notes on choices a reader of the file relies on (docs/runs.md):
// - metrics/layer_metrics `id` is AUTOINCREMENT so ids are never reused, even after
//   supersede_after deletes the newest rows: live readers ask for "id > cursor".
// - `value` NULL means NaN (SQLite cannot store NaN; it turns it into NULL anyway).
// - UNIQUE(run_id, key, step[, layer]) with INSERT OR REPLACE: one value per step; a
//   replaced value gets a new id, so live readers see the replacement too.
// - metrics_by_run is (run_id, id) in effect (an index carries the rowid): it serves
//   "rows of run R newer than cursor" as one range seek.
const char* const kVersion1 = R"sql(
CREATE TABLE schema_version(version INTEGER NOT NULL);
INSERT INTO schema_version(version) VALUES (0);

CREATE TABLE experiments(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  spec_json  TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);

CREATE TABLE runs(
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
  name          TEXT NOT NULL,
  scheme        TEXT NOT NULL DEFAULT '',
  kind          TEXT NOT NULL CHECK (kind IN ('train', 'finetune')),
  status        TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'stopped', 'finished', 'failed', 'diverged')),
  spec_json     TEXT NOT NULL DEFAULT '{}',
  pid           INTEGER,
  host          TEXT,
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  ended_at      INTEGER,
  heartbeat_at  INTEGER,
  step          INTEGER NOT NULL DEFAULT 0,
  steps         INTEGER NOT NULL DEFAULT 0,
  error         TEXT
);
CREATE INDEX runs_by_experiment ON runs(experiment_id);

CREATE TABLE metrics(
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key     TEXT NOT NULL,
  step    INTEGER NOT NULL,
  value   REAL,
  wall_ms INTEGER NOT NULL,
  UNIQUE (run_id, key, step)
);
CREATE INDEX metrics_by_run ON metrics(run_id);

CREATE TABLE layer_metrics(
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  step   INTEGER NOT NULL,
  layer  INTEGER NOT NULL CHECK (layer >= 1),
  value  REAL,
  UNIQUE (run_id, key, step, layer)
);
CREATE INDEX layer_metrics_by_run ON layer_metrics(run_id);

CREATE TABLE checkpoints(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  path       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);

CREATE TABLE events(
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id  INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  wall_ms INTEGER NOT NULL,
  level   TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
  message TEXT NOT NULL
);
CREATE INDEX events_by_run ON events(run_id);
)sql";

// Version 2: who owns a run (docs/runs.md, "Ownership"). `runs.attempt` counts the claims
// of the run; every write of a training process is conditioned on the attempt it claimed,
// so a process that lost its run (reaped, then resumed by another) writes nothing more.
// `checkpoints.attempt` is the attempt that wrote the checkpoint.
const char* const kVersion2 = R"sql(
ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkpoints ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
)sql";

bool has_table(Connection& conn, const char* name) {
  Statement s = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  s.bind_text(1, name);
  return s.step();
}

// One row of sqlite_master, without rootpage (which depends on the file's history).
struct SchemaObject {
  std::string type, name, tbl_name, sql;
  bool sql_null = false;
};
using SchemaRows = std::map<std::string, SchemaObject>;  // by name (unique in sqlite_master)

SchemaRows read_schema(Connection& conn) {
  SchemaRows rows;
  conn.read("read the schema", [&] {
    rows.clear();
    Statement s = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master LIMIT ?1");
    s.bind_int(1, kMaxSchemaObjects + 1);
    while (s.step()) {
      if (static_cast<std::int64_t>(rows.size()) == kMaxSchemaObjects)
        throw DatabaseError(conn.path(), "schema",
                            "it has more than " + std::to_string(kMaxSchemaObjects) +
                                " tables, indexes, views and triggers, so it is not a DepthScope run "
                                "database (it was left unchanged)");
      SchemaObject o{s.text(0), s.text(1), s.text(2), s.text(3), s.is_null(3)};
      rows[o.name] = std::move(o);
    }
  });
  return rows;
}

// sqlite_master of a new in-memory database brought to `version` by `steps`; built once per
// distinct list of migration SQL and kept.
const SchemaRows& reference_schema(const std::vector<Migration>& steps, int version) {
  static std::mutex mutex;
  static std::map<std::string, SchemaRows> cache;
  std::lock_guard<std::mutex> lock(mutex);
  std::string key;
  for (const Migration& m : steps)
    if (m.to_version <= version) key += std::to_string(m.to_version) + '\0' + m.sql + '\0';
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  Connection mem(":memory:", StoreOptions{});
  mem.write("build the reference schema", [&] {
    for (const Migration& m : steps)
      if (m.to_version <= version) mem.exec(m.sql.c_str());
  });
  return cache[key] = read_schema(mem);
}

std::string describe(const SchemaObject& o) {
  std::string s = o.type + " '" + o.name + "'";
  if ((o.type == "trigger" || o.type == "index") && o.tbl_name != o.name) s += " on " + o.tbl_name;
  return s;
}

bool is_sqlite_statistics(const SchemaObject& o) {
  return o.type == "table" && (o.name == "sqlite_stat1" || o.name == "sqlite_stat4");
}

}  // namespace

int check_run_database(Connection& conn, const std::vector<Migration>& steps) {
  const SchemaRows file = read_schema(conn);
  const std::string refused = "; DepthScope opens only its own run databases (the file was left unchanged)";
  if (file.empty()) {
    // No schema objects: a new (or zero-length) file. One that another program has marked
    // as its own is still not DepthScope's to initialise.
    std::int64_t app = 0, user = 0;
    conn.read("read the file header", [&] {
      Statement a = conn.prepare("PRAGMA application_id");
      app = a.step() ? a.int64(0) : 0;
      Statement u = conn.prepare("PRAGMA user_version");
      user = u.step() ? u.int64(0) : 0;
    });
    if (app != 0 || user != 0)
      throw DatabaseError(conn.path(), "schema",
                          "it has no tables but another program marked it as its own "
                          "(application_id " + std::to_string(app) + ", user_version " +
                              std::to_string(user) + ")" + refused);
    return 0;
  }
  const auto sv = file.find("schema_version");
  if (sv == file.end() || sv->second.type != "table") {
    std::string example;
    for (const auto& [name, o] : file)
      if (o.type == "table" && !is_sqlite_statistics(o) && name != "sqlite_sequence") {
        example = name;
        break;
      }
    throw DatabaseError(conn.path(), "schema_version",
                        "this SQLite file has " +
                            (example.empty() ? std::string("schema objects") : "tables (e.g. '" + example + "')") +
                            " but no schema_version table, so it is not a DepthScope run database; "
                            "choose another file (it was left unchanged)");
  }
  const int version = read_schema_version(conn);
  const int newest = steps.empty() ? 0 : steps.back().to_version;
  if (version > newest)
    throw DatabaseError(conn.path(), "schema_version",
                        "this run database has schema version " + std::to_string(version) +
                            ", but this DepthScope knows versions up to " + std::to_string(newest) +
                            "; open it with a newer DepthScope (it was left unchanged)");
  if (version < 1)
    throw DatabaseError(conn.path(), "schema_version",
                        "schema_version holds " + std::to_string(version) +
                            ", which no DepthScope writes" + refused);

  const SchemaRows& want = reference_schema(steps, version);
  std::vector<std::string> problems;
  for (const auto& [name, o] : file) {
    const auto w = want.find(name);
    if (w == want.end()) {
      if (!is_sqlite_statistics(o)) problems.push_back("an extra " + describe(o));
    } else if (w->second.type != o.type) {
      const auto a = [](const std::string& type) { return (type == "index" ? "an " : "a ") + type; };
      problems.push_back("'" + name + "' is " + a(o.type) + " where DepthScope has " + a(w->second.type));
    } else if (w->second.tbl_name != o.tbl_name || w->second.sql != o.sql ||
               w->second.sql_null != o.sql_null) {
      problems.push_back(describe(o) + " is defined differently from DepthScope's");
    }
  }
  for (const auto& [name, o] : want)
    if (!file.count(name)) problems.push_back(describe(o) + " is missing");
  if (!problems.empty()) {
    std::string list;
    const std::size_t shown = std::min<std::size_t>(problems.size(), 6);
    for (std::size_t i = 0; i < shown; ++i) list += (i ? "; " : "") + problems[i];
    if (problems.size() > shown) list += "; and " + std::to_string(problems.size() - shown) + " more";
    throw DatabaseError(conn.path(), "schema",
                        "its schema is not DepthScope's version " + std::to_string(version) + " schema: " +
                            list + refused);
  }
  return version;
}

const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> steps = {{1, kVersion1}, {2, kVersion2}};
  return steps;
}

int current_schema_version() { return schema_migrations().back().to_version; }

int read_schema_version(Connection& conn) {
  int version = 0;
  conn.read("read schema_version", [&] {
    if (has_table(conn, "schema_version")) {
      Statement s = conn.prepare("SELECT max(version) FROM schema_version");
      version = s.step() ? static_cast<int>(s.int64(0)) : 0;
      return;
    }
    Statement any = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1");
    if (any.step())
      throw DatabaseError(conn.path(), "schema_version",
                          "this SQLite file has tables (e.g. '" + any.text(0) +
                              "') but no schema_version table, so it is not a DepthScope run "
                              "database; choose another file");
    version = 0;
  });
  return version;
}

int migrate(Connection& conn, const std::vector<Migration>& steps) {
  const int newest = steps.empty() ? 0 : steps.back().to_version;
  auto check_not_newer = [&](int version) {
    if (version > newest)
      throw DatabaseError(conn.path(), "schema_version",
                          "this run database has schema version " + std::to_string(version) +
                              ", but this DepthScope knows versions up to " +
                              std::to_string(newest) +
                              "; open it with a newer DepthScope (it was left unchanged)");
  };
  // Fast path without the write lock: the usual case is an up-to-date file that a
  // training process is writing to.
  int version = read_schema_version(conn);
  check_not_newer(version);
  if (version == newest) return version;

  conn.write("migrate schema to version " + std::to_string(newest), [&] {
    version = read_schema_version(conn);  // another process may have migrated meanwhile
    check_not_newer(version);
    for (const Migration& m : steps) {
      if (m.to_version <= version) continue;
      conn.exec(m.sql.c_str());
      Statement s = conn.prepare("UPDATE schema_version SET version = ?1");
      s.bind_int(1, m.to_version).run();
      version = m.to_version;
    }
  });
  return version;
}

}  // namespace depthscope::store
