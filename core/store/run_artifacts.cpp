// RunDb: what a run leaves behind besides metrics — checkpoints and events.
#include "core/store/connection.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/store/store_limits.h"

namespace depthscope::store {
namespace {

CheckpointRecord read_checkpoint(const Statement& s) {
  return {s.int64(0), s.int64(1), s.int64(2), s.text(3), s.int64(4)};
}

}  // namespace

void RunDb::add_checkpoint(std::int64_t run, std::int64_t step, const std::string& path) {
  conn_->write("record checkpoint of run " + std::to_string(run) + " at step " + std::to_string(step),
               [&] {
                 Statement s = conn_->prepare(
                     "INSERT INTO checkpoints(run_id, step, path, created_at) VALUES (?1, ?2, ?3, ?4)");
                 s.bind_int(1, run).bind_int(2, step).bind_text(3, path).bind_int(4, wall_ms_now()).run();
               });
}

std::optional<CheckpointRecord> RunDb::last_checkpoint(std::int64_t run) {
  std::optional<CheckpointRecord> out;
  conn_->read("read last checkpoint of run " + std::to_string(run), [&] {
    out.reset();
    Statement s = conn_->prepare(
        "SELECT id, run_id, step, path, created_at FROM checkpoints WHERE run_id = ?1 "
        "ORDER BY step DESC, id DESC LIMIT 1");
    s.bind_int(1, run);
    if (s.step()) out = read_checkpoint(s);
  });
  return out;
}

std::vector<CheckpointRecord> RunDb::checkpoints(std::int64_t run) {
  std::vector<CheckpointRecord> out;
  conn_->read("list checkpoints of run " + std::to_string(run), [&] {
    out.clear();
    Statement s = conn_->prepare(
        "SELECT id, run_id, step, path, created_at FROM checkpoints WHERE run_id = ?1 "
        "ORDER BY step, id LIMIT ?2");
    s.bind_int(1, run).bind_int(2, kMaxCheckpointsRead + 1);
    while (s.step()) {
      if (static_cast<std::int64_t>(out.size()) == kMaxCheckpointsRead)
        throw DatabaseError(path(), "list checkpoints of run " + std::to_string(run),
                            "it lists more than " + std::to_string(kMaxCheckpointsRead) +
                                " checkpoints, more than DepthScope reads");
      out.push_back(read_checkpoint(s));
    }
  });
  return out;
}

void RunDb::add_event(std::optional<std::int64_t> run, EventLevel level, const std::string& message) {
  conn_->write("record event", [&] {
    Statement s = conn_->prepare(
        "INSERT INTO events(run_id, wall_ms, level, message) VALUES (?1, ?2, ?3, ?4)");
    s.bind_optional_int(1, run)
        .bind_int(2, wall_ms_now())
        .bind_text(3, to_string(level))
        .bind_text(4, message)
        .run();
  });
}

}  // namespace depthscope::store
