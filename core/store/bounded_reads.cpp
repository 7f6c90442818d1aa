#include "core/store/bounded_reads.h"

#include <sqlite3.h>

#include <vector>

#include "core/store/connection.h"
#include "core/store/store_limits.h"

namespace depthscope::store {
namespace {

std::string mib(std::int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

void check_spec_size(const std::string& path, const std::string& whose, std::size_t bytes) {
  if (static_cast<std::int64_t>(bytes) > kMaxSpecJsonBytes)
    throw DatabaseError(path, whose + " spec_json",
                        "is " + std::to_string(bytes) + " bytes, over the " + mib(kMaxSpecJsonBytes) +
                            " DepthScope allows for a spec");
}

RunRecord checked_run(Connection& conn, RunRecord r) {
  check_spec_size(conn.path(), "run " + std::to_string(r.id), r.spec_json.size());
  return r;
}

void throw_if_oversized(Connection& conn, const DatabaseError& e, std::optional<std::int64_t> run) {
  if ((e.code() & 0xff) != SQLITE_TOOBIG) return;
  std::vector<std::int64_t> ids;
  if (run) {
    ids.push_back(*run);
  } else {
    Statement s = conn.prepare("SELECT id FROM runs ORDER BY id LIMIT ?1");
    s.bind_int(1, kMaxRunsRead);
    while (s.step()) ids.push_back(s.int64(0));
  }
  for (std::int64_t id : ids)
    for (const char* column : {"spec_json", "name", "scheme", "kind", "status", "host", "error"}) {
      try {
        Statement s = conn.prepare(std::string("SELECT ") + column + " FROM runs WHERE id = ?1");
        s.bind_int(1, id).step();
      } catch (const DatabaseError& inner) {
        if ((inner.code() & 0xff) != SQLITE_TOOBIG) throw;
        throw DatabaseError(conn.path(), "run " + std::to_string(id) + " " + column,
                            "is larger than the " + mib(kMaxValueBytes) +
                                " DepthScope reads from a run database (not loaded); the file was not "
                                "written by DepthScope, or was edited");
      }
    }
  throw DatabaseError(conn.path(), "runs",
                      "a value is larger than the " + mib(kMaxValueBytes) +
                          " DepthScope reads from a run database (not loaded)");
}

}  // namespace depthscope::store
