// RunLease: every write of a training process to its run, conditioned on owning it.
#include "core/store/run_lease.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "core/store/connection.h"
#include "core/store/ownership.h"
#include "core/store/process_probe.h"

namespace depthscope::store {

namespace fs = std::filesystem;

void LeaseSignal::raise(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (raised_.load()) return;
  why_ = why;
  raised_.store(true);
}

std::string LeaseSignal::why() const {
  std::lock_guard<std::mutex> lock(mu_);
  return why_;
}

namespace {

// fsync of a folder, so a rename in it survives a crash of the machine.
void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw FileError(dir.string(), "", "cannot open the folder to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw FileError(dir.string(), "", "cannot sync the folder to disk");
}

bool listed_by_a_checkpoint(Connection& conn, const std::string& path) {
  Statement s = conn.prepare("SELECT 1 FROM checkpoints WHERE path = ?1 LIMIT 1");
  s.bind_text(1, path);
  return s.step();
}

}  // namespace

RunLease::RunLease(const std::string& db_path, std::int64_t run, const ClaimOptions& options)
    : db_(db_path) {
  id_.run = run;
  id_.attempt = claim_run(db_, run, this_pid(), this_host(), options);
}

void RunLease::check() const {
  if (signal_->raised()) throw LeaseLost(db_.path(), "run " + std::to_string(id_.run), signal_->why());
  if (ended_)
    throw LeaseLost(db_.path(), "run " + std::to_string(id_.run),
                    "this process already ended its attempt " + std::to_string(id_.attempt));
}

void owned_write(RunDb& db, const LeaseId& id, LeaseSignal& signal, const std::string& what,
                 const std::function<void()>& body) {
  if (signal.raised()) throw LeaseLost(db.path(), what, signal.why());
  Connection& conn = db.connection();
  try {
    conn.write(what, [&] {
      require_owner(conn, id);
      body();
    });
  } catch (const LeaseLost& e) {
    signal.raise(e.problem());
    throw;
  }
}

void lease_heartbeat(RunDb& db, const LeaseId& id, LeaseSignal& signal, std::int64_t step) {
  Connection& conn = db.connection();
  owned_write(db, id, signal, "heartbeat of run " + std::to_string(id.run), [&] {
    // A reaped run ("process lost") whose process was only slow is running again.
    Statement s = conn.prepare(
        "UPDATE runs SET step = ?2, heartbeat_at = ?3, status = 'running', ended_at = NULL, error = NULL "
        "WHERE id = ?1");
    s.bind_int(1, id.run).bind_int(2, step).bind_int(3, wall_ms_now()).run();
  });
}

void RunLease::owned_write(const std::string& what, const std::function<void()>& body) {
  check();
  store::owned_write(db_, id_, *signal_, what, body);
}

void RunLease::heartbeat(std::int64_t step) {
  check();
  lease_heartbeat(db_, id_, *signal_, step);
}

void RunLease::add_event(EventLevel level, const std::string& message) {
  owned_write("record event of run " + std::to_string(id_.run), [&] { db_.add_event(id_.run, level, message); });
}

void RunLease::publish_checkpoint(std::int64_t step, const std::string& staged, const std::string& final_dir) {
  Connection& conn = db_.connection();
  bool renamed = false;  // the body may run again if COMMIT meets a busy lock
  owned_write("record checkpoint of run " + std::to_string(id_.run) + " at step " + std::to_string(step), [&] {
    std::error_code ec;
    if (!renamed) {
      if (fs::exists(final_dir, ec)) {
        if (listed_by_a_checkpoint(conn, final_dir))
          throw FileError(final_dir, "", "a checkpoint row still lists this folder; it is kept and this "
                                         "checkpoint is not written over it");
        fs::remove_all(final_dir, ec);  // an attempt that died between its rename and its row
        if (ec) throw FileError(final_dir, "", "cannot remove a leftover checkpoint folder: " + ec.message());
      }
      fs::rename(staged, final_dir, ec);
      if (ec) throw FileError(final_dir, "", "cannot move the finished checkpoint into place: " + ec.message());
      renamed = true;
      sync_folder(fs::path(final_dir).parent_path());
    }
    Statement s = conn.prepare(
        "INSERT INTO checkpoints(run_id, step, path, created_at, attempt) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind_int(1, id_.run).bind_int(2, step).bind_text(3, final_dir).bind_int(4, wall_ms_now())
        .bind_int(5, id_.attempt).run();
  });
}

void RunLease::end(RunStatus status, const std::string& error, const std::string& message) {
  Connection& conn = db_.connection();
  owned_write("set run " + std::to_string(id_.run) + " " + std::string(to_string(status)), [&] {
    if (!message.empty())
      db_.add_event(id_.run, status == RunStatus::finished || status == RunStatus::stopped ? EventLevel::info
                                                                                           : EventLevel::error,
                    message);
    Statement s = conn.prepare("UPDATE runs SET status = ?2, error = ?3, ended_at = ?4 WHERE id = ?1");
    s.bind_int(1, id_.run).bind_text(2, to_string(status));
    if (error.empty()) s.bind_null(3); else s.bind_text(3, error);
    if (is_terminal(status)) s.bind_int(4, wall_ms_now()); else s.bind_null(4);
    s.run();
  });
  ended_ = true;
}

}  // namespace depthscope::store
