#include "app/cli/train_distributed.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <thread>

#include "core/error.h"
#include "core/store/run_db.h"
#include "core/train/distributed_env.h"
#include "core/train/distributed_group.h"
#include "core/train/distributed_launch.h"
#include "core/train/train_spec.h"

namespace depthscope::cli {

void add_dist_options(CLI::App* cmd, DistCliOptions& o) {
  cmd->add_option("--nproc", o.nproc, "Data-parallel: start N ranks on this machine (127.0.0.1, a free port); "
                                      "under torchrun/srun leave it out (RANK, WORLD_SIZE, ... are read)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--dist-backend", o.backend, "Data-parallel backend: gloo (CPU) or nccl (CUDA builds); default by device")
      ->check(CLI::IsMember({"gloo", "nccl"}));
  cmd->add_option("--dist-timeout", o.timeout_s, "Seconds a rank waits for the others before it gives up naming the lost rank (default 30)")
      ->check(CLI::Range(1.0, 86400.0));
}

std::string run_device(const std::string& db_path, std::int64_t run) {
  store::RunDb db(db_path);
  const std::optional<store::RunRecord> r = db.get_run(run);
  if (!r) throw UsageError("run " + std::to_string(run) + " is not in " + db_path);
  return parse_train_spec_text(r->spec_json, db_path + ": run " + std::to_string(run), ".").device;
}

std::unique_ptr<DistGroup> join_dist_group(const DistCliOptions& o, const std::string& device) {
  DistEnv env = dist_env_from_environment();
  if (!env.active()) return nullptr;
  if (o.nproc > 1)
    throw UsageError("--nproc starts ranks itself; this process is already rank " + std::to_string(env.rank) + " of " +
                     std::to_string(env.world) + " (WORLD_SIZE is set): leave --nproc out under torchrun or srun");
  env.timeout_s = o.timeout_s;
  // Ranks other than 0 of an existing run do not open the run database (only rank 0 does):
  // without --dist-backend they take rank 0's backend from the group's store.
  env.backend = env.rank != 0 && device.empty() && o.backend.empty() ? std::string() : resolve_dist_backend(o.backend, device);
  return std::make_unique<DistGroup>(env, env.backend);
}

void check_local_launch(const DistCliOptions& o, const std::string& device, std::int64_t batch) {
  const DistEnv env = dist_env_from_environment();
  if (env.active())
    throw UsageError("--nproc starts ranks itself; this process is already rank " + std::to_string(env.rank) + " of " +
                     std::to_string(env.world) + " (WORLD_SIZE is set): leave --nproc out under torchrun or srun");
  resolve_dist_backend(o.backend, device);
  if (batch % o.nproc != 0)
    throw UsageError("the spec's batch (" + std::to_string(batch) +
                     " sequences per micro-batch, all ranks together) does not split evenly over " + std::to_string(o.nproc) +
                     " ranks");
}

void check_local_launch_run(const DistCliOptions& o, const std::string& db_path, std::int64_t run) {
  store::RunDb db(db_path);
  const std::optional<store::RunRecord> r = db.get_run(run);
  if (!r) throw UsageError("run " + std::to_string(run) + " is not in " + db_path);
  const TrainSpec spec = parse_train_spec_text(r->spec_json, db_path + ": run " + std::to_string(run), ".");
  check_local_launch(o, spec.device, spec.batch);
}

int launch_local_training(const DistCliOptions& o, const std::vector<std::int64_t>& runs, bool resume,
                          const std::string& db, const std::string& out, bool json, int threads_per_rank,
                          const std::atomic<bool>& stop) {
  int code = 0;
  for (std::int64_t run : runs) {
    if (stop.load()) break;
    const std::string backend = resolve_dist_backend(o.backend, run_device(db, run));
    LocalLaunch l;
    l.nproc = o.nproc;
    l.timeout_s = o.timeout_s;
    l.stop = &stop;
    l.argv = {self_executable(), "--threads", std::to_string(threads_per_rank), "train", resume ? "--resume" : "--run",
              std::to_string(run), "--db", db, "--out", out, "--dist-backend", backend,
              "--dist-timeout", std::to_string(o.timeout_s)};
    if (json) l.argv.push_back("--json");
    l.on_started = [&](const std::vector<long>& pids, int port) {
      std::string list;
      for (long p : pids) list += (list.empty() ? "" : " ") + std::to_string(p);
      std::fprintf(stderr, "run %lld: %d ranks on 127.0.0.1:%d (%s, %d threads each), pids %s\n",
                   static_cast<long long>(run), o.nproc, port, backend.c_str(), threads_per_rank, list.c_str());
    };
    const LaunchOutcome r = launch_local_ranks(l);
    code = std::max(code, r.exit_code);
    if (r.first_failed < 0) continue;
    const std::string why = r.ends[static_cast<std::size_t>(r.first_failed)].describe();
    std::fprintf(stderr, "run %lld: %s\n", static_cast<long long>(run), why.c_str());
    // Rank 0 marks the run failed naming the lost rank; when rank 0 itself is the one that
    // died, the run is still 'running' (or reaped as "process lost"): say which rank it was.
    store::RunDb d(db);
    const std::optional<store::RunRecord> now = d.get_run(run);
    if (now && (now->status == store::RunStatus::running ||
                (now->status == store::RunStatus::failed && now->error == store::kProcessLost))) {
      d.set_status(run, store::RunStatus::failed, "data-parallel: " + why);
      d.add_event(run, store::EventLevel::error, "data-parallel: " + why);
    }
    break;  // the next run would meet the same trouble
  }
  return code;
}

}  // namespace depthscope::cli
