#include "core/store/schema.h"

#include "core/store/connection.h"

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

}  // namespace

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
