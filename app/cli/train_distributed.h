#pragma once
// The data-parallel half of `depthscope-cli train` (docs/distributed.md): the options
// --nproc, --dist-backend, --dist-timeout; joining the group a launcher (torchrun, srun,
// --nproc) described in the environment; and the one-machine launcher itself.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace depthscope {
class DistGroup;
}

namespace depthscope::cli {

struct DistCliOptions {
  int nproc = 0;            // > 1: launch this many local ranks
  std::string backend;      // "": by device
  double timeout_s = 30;
};

void add_dist_options(CLI::App* cmd, DistCliOptions& o);

// The device of run `run`'s spec (to choose the backend before the group exists).
std::string run_device(const std::string& db, std::int64_t run);

// The group of this process when WORLD_SIZE (or SLURM_NTASKS) > 1, else nullptr. Throws
// UsageError when --nproc is combined with an outer launcher, or the backend is missing.
std::unique_ptr<DistGroup> join_dist_group(const DistCliOptions& o, const std::string& device);

// Before a --nproc launch changes anything: not inside another launcher's job, the backend
// built in, the spec's (global) batch divisible by N. Throws UsageError saying which.
void check_local_launch(const DistCliOptions& o, const std::string& device, std::int64_t batch);
// The same for run `run` of the database (its stored spec).
void check_local_launch_run(const DistCliOptions& o, const std::string& db, std::int64_t run);

// --nproc N: for each run in turn, N ranks of this program on 127.0.0.1 (a free port) with
// `train --run|--resume RUN ...`; a run whose ranks failed and that no rank could mark is
// marked failed naming the rank. Returns the exit code.
int launch_local_training(const DistCliOptions& o, const std::vector<std::int64_t>& runs, bool resume,
                          const std::string& db, const std::string& out, bool json, int threads_per_rank,
                          const std::atomic<bool>& stop);

}  // namespace depthscope::cli
