#pragma once
// Who this process is in a data-parallel job, read the torchrun way: RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT (torchrun and `train --nproc` set them), or Slurm's
// SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID (srun) with MASTER_ADDR / MASTER_PORT from the
// batch script. Torch-free. docs/distributed.md.
#include <string>

namespace depthscope {

struct DistEnv {
  int rank = 0;
  int world = 1;          // 1: not distributed
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string backend;    // gloo | nccl; "": by device (nccl on cuda when built in, else gloo)
  double timeout_s = 30;  // a collective or the rendezvous waits this long for a peer
  bool active() const { return world > 1; }
};

// From the environment; world 1 when none of the variables is set. Throws UsageError naming
// the variable for a malformed or inconsistent value (RANK outside [0, WORLD_SIZE), ...).
DistEnv dist_env_from_environment();

// The backend a run on `device` uses: `requested` when given (checked against what this
// build has), else nccl for cuda when built in, else gloo. Throws UsageError when the build
// lacks it: "this build has no Gloo (install libgloo-dev)".
std::string resolve_dist_backend(const std::string& requested, const std::string& device);

// What this build was compiled with (core/train/distributed_group.cpp).
bool dist_has_gloo();
bool dist_has_nccl();

}  // namespace depthscope
