#include "core/train/distributed_env.h"

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace depthscope {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

int env_int(const char* name, int lo, int hi) {
  const std::string text = env(name);
  std::size_t used = 0;
  long v = 0;
  try {
    v = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || v < lo || v > hi)
    throw UsageError("environment variable " + std::string(name) + "=" + text + " must be an integer in [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(v);
}

}  // namespace

DistEnv dist_env_from_environment() {
  DistEnv e;
  const bool torchrun = env("WORLD_SIZE") != nullptr;
  const bool slurm = !torchrun && env("SLURM_NTASKS") != nullptr && env("SLURM_PROCID") != nullptr;
  if (!torchrun && !slurm) return e;
  const char* world = torchrun ? "WORLD_SIZE" : "SLURM_NTASKS";
  const char* rank = torchrun ? "RANK" : "SLURM_PROCID";
  const char* local = torchrun ? "LOCAL_RANK" : "SLURM_LOCALID";
  e.world = env_int(world, 1, 1 << 20);
  if (e.world == 1) return e;
  if (env(rank) == nullptr) throw UsageError(std::string(world) + " is " + std::to_string(e.world) + " but " + rank + " is not set");
  e.rank = env_int(rank, 0, e.world - 1);
  e.local_rank = env(local) != nullptr ? env_int(local, 0, e.world - 1) : 0;
  if (env("MASTER_ADDR") == nullptr)
    throw UsageError(std::string(world) + " is " + std::to_string(e.world) +
                     " but MASTER_ADDR is not set (the host of rank 0; under Slurm: "
                     "export MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n1))");
  e.master_addr = env("MASTER_ADDR");
  if (env("MASTER_PORT") != nullptr) e.master_port = env_int("MASTER_PORT", 1, 65535);
  return e;
}

std::string resolve_dist_backend(const std::string& requested, const std::string& device) {
  const bool cuda = device.rfind("cuda", 0) == 0;
  std::string b = requested;
  if (b.empty()) b = cuda && dist_has_nccl() ? "nccl" : "gloo";
  if (b == "gloo") {
    if (!dist_has_gloo()) throw UsageError("this build has no Gloo (install libgloo-dev)");
    return b;
  }
  if (b == "nccl") {
    if (!dist_has_nccl())
      throw UsageError("this build has no NCCL (its LibTorch has no ProcessGroupNCCL); use --dist-backend gloo");
    if (!cuda) throw UsageError("--dist-backend nccl needs \"device\": \"cuda\" in the spec (the run trains on " + device + ")");
    return b;
  }
  throw UsageError("--dist-backend " + b + " is not one of gloo, nccl");
}

}  // namespace depthscope
