#include "core/store/run_counts.h"

#include "core/store/connection.h"
#include "core/store/run_db.h"

namespace depthscope::store {

RunRowCounts count_run_rows(RunDb& db, std::int64_t run) {
  RunRowCounts out;
  Connection& conn = db.connection();
  conn.read("count the rows of run " + std::to_string(run), [&] {
    const std::pair<const char*, std::int64_t*> tables[] = {{"metrics", &out.metrics},
                                                            {"layer_metrics", &out.layer_metrics},
                                                            {"checkpoints", &out.checkpoints},
                                                            {"events", &out.events}};
    for (const auto& [table, count] : tables) {
      Statement s = conn.prepare(std::string("SELECT count(*) FROM ") + table + " WHERE run_id = ?1");
      s.bind_int(1, run);
      *count = s.step() ? s.int64(0) : 0;
    }
  });
  return out;
}

}  // namespace depthscope::store
