#include "core/train/run_plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/store/run_db.h"

namespace depthscope {

namespace fs = std::filesystem;

nlohmann::json RunPlan::to_json() const {
  nlohmann::json j = {{"run", run}, {"db", db_path}, {"scheme", scheme}, {"status", status}, {"spec", spec_json}};
  if (last_checkpoint)
    j["last_checkpoint"] = {{"id", last_checkpoint->id}, {"step", last_checkpoint->step}, {"path", last_checkpoint->path}};
  return j;
}

RunPlan RunPlan::from_json(const nlohmann::json& j) {
  RunPlan p;
  p.run = j.at("run").get<std::int64_t>();
  p.db_path = j.at("db").get<std::string>();
  p.scheme = j.at("scheme").get<std::string>();
  p.status = j.at("status").get<std::string>();
  p.spec_json = j.at("spec").get<std::string>();
  if (j.contains("last_checkpoint")) {
    const nlohmann::json& c = j["last_checkpoint"];
    p.last_checkpoint = Checkpoint{c.at("id").get<std::int64_t>(), c.at("step").get<std::int64_t>(),
                                   c.at("path").get<std::string>()};
  }
  return p;
}

RunPlan read_run_plan(const std::string& db_path, std::int64_t run) {
  store::RunDb db(db_path);
  const std::optional<store::RunRecord> r = db.get_run(run);
  if (!r) throw UsageError("run " + std::to_string(run) + " is not in " + db_path);
  RunPlan p;
  p.run = run;
  p.db_path = db_path;
  p.scheme = r->scheme;
  p.status = std::string(store::to_string(r->status));
  p.spec_json = r->spec_json;
  if (const std::optional<store::CheckpointRecord> c = db.last_checkpoint(run))
    p.last_checkpoint = RunPlan::Checkpoint{c->id, c->step, c->path};
  return p;
}

std::string plan_refusal(const RunPlan& p, bool resume) {
  const std::string name = "run " + std::to_string(p.run) + " of " + p.db_path;
  if (p.status == "finished") return name + " has finished; nothing to train";
  if (p.status == "diverged")
    return name + " diverged; from its last checkpoint it would take the same steps and diverge again";
  if (resume && !p.last_checkpoint) return name + " has no checkpoint to resume from; train it with --run";
  if (!resume && p.last_checkpoint)
    return name + " has checkpoints (the last at step " + std::to_string(p.last_checkpoint->step) +
           "); training it from step 0 would mix two attempts: continue it with train --resume " +
           std::to_string(p.run);
  return "";
}

void check_checkpoint_folder(const std::string& out_dir, std::int64_t run) {
  const fs::path dir = fs::path(out_dir) / ("run-" + std::to_string(run));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw FileError(dir.string(), "", "cannot create the run's checkpoint folder (--out): " +
                                          (ec ? ec.message() : std::string("a file of that name is in the way")));
  const fs::path probe = dir / (".write-test-" + std::to_string(getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw FileError(dir.string(), "", std::string("cannot write checkpoints into this folder (--out): ") + std::strerror(errno));
  const bool written = ::write(fd, "ok\n", 3) == 3 && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  fs::remove(probe, ec);
  if (!written)
    throw FileError(dir.string(), "", std::string("cannot write checkpoints into this folder (--out): ") + std::strerror(err));
}

}  // namespace depthscope
