#pragma once
// One data-parallel process group on LibTorch's c10d: a TCPStore served by rank 0 at
// MASTER_ADDR:MASTER_PORT and a ProcessGroupGloo (CPU) or ProcessGroupNCCL (CUDA, when the
// LibTorch build has it) over it. Every collective waits at most the timeout; a peer that
// died or hangs becomes a DistError whose message names the rank (from the pids, hosts and
// step marks each rank leaves in the store). docs/distributed.md.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/train/distributed_env.h"

namespace depthscope {

// A collective failed: a peer is gone or did not answer within the timeout.
class DistError : public std::runtime_error {
 public:
  DistError(const std::string& message, int lost_rank) : std::runtime_error(message), lost_rank_(lost_rank) {}
  int lost_rank() const { return lost_rank_; }  // -1: not known
 private:
  int lost_rank_;
};

class DistGroup {
 public:
  // Connects to the others (rank 0 serves the store); throws DistError when they do not all
  // arrive within env.timeout_s, UsageError when the backend is not built in. A rank other
  // than 0 may pass "" as the backend: it then takes the one rank 0 names in the store.
  DistGroup(const DistEnv& env, const std::string& backend);
  ~DistGroup();
  DistGroup(const DistGroup&) = delete;
  DistGroup& operator=(const DistGroup&) = delete;

  int rank() const { return env_.rank; }
  int world() const { return env_.world; }
  const DistEnv& env() const { return env_; }
  const std::string& backend() const { return backend_; }

  // In place, every rank the same result. `what` names the operation in errors.
  void all_reduce_sum(std::vector<at::Tensor>& tensors, const std::string& what);
  void all_reduce_min(at::Tensor& t, const std::string& what);
  void all_reduce_max(at::Tensor& t, const std::string& what);
  void broadcast(std::vector<at::Tensor>& tensors, int root, const std::string& what);
  // `timeout_s` > 0 overrides the group's timeout (e.g. while rank 0 writes a checkpoint).
  void barrier(const std::string& what, double timeout_s = 0);

  // An all-reduce (sum) that runs on the backend's threads while the caller goes on.
  class Pending;
  std::shared_ptr<Pending> all_reduce_sum_async(at::Tensor& t);
  void wait(const std::shared_ptr<Pending>& p, const std::string& what);

  // Marks the step this rank has reached (read back to name a rank that fell behind).
  void mark_step(std::int64_t step);
  std::int64_t marked_step() const { return step_; }
  // A small value rank 0 hands to the others (e.g. the run ids it created); fetch waits up
  // to `timeout_s`.
  void publish(const std::string& key, const std::string& value);
  std::string fetch(const std::string& key, double timeout_s);

  // Turns a failed collective's exception into a DistError naming the lost rank.
  [[noreturn]] void fail(const std::string& what, const std::exception& cause);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DistEnv env_;
  std::string backend_;
  std::int64_t step_ = 0;
};

}  // namespace depthscope
