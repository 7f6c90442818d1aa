#pragma once
// `train --nproc N`: N ranks of one data-parallel job on this machine, each a copy of this
// program with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set
// as torchrun sets them. The launcher forwards a stop request (SIGTERM) to every rank, and
// when a rank fails gives the others the collective timeout to notice and record why before
// it kills them. Torch-free. docs/distributed.md.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace depthscope {

struct LocalLaunch {
  int nproc = 2;
  std::vector<std::string> argv;  // argv[0]: the program; the same arguments for every rank
  std::string master_addr = "127.0.0.1";
  int master_port = 0;            // 0: a free port
  double timeout_s = 30;          // the ranks' collective timeout
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const std::vector<long>& pids, int port)> on_started;
};

struct RankEnd {
  int rank = 0;
  long pid = 0;
  int exit_code = 0;  // when it exited
  int signal = 0;     // when a signal ended it
  std::string describe() const;  // "rank 1 (pid 123) was killed by signal 9 (Killed)"
};

struct LaunchOutcome {
  std::vector<RankEnd> ends;  // by rank
  int first_failed = -1;      // the rank that failed first, -1: none
  int exit_code = 0;          // the largest exit code (1 for a signal)
};

LaunchOutcome launch_local_ranks(const LocalLaunch& launch);

// A TCP port on `addr` that nothing listens on right now.
int free_local_port(const std::string& addr);

// This program's path (/proc/self/exe).
std::string self_executable();

}  // namespace depthscope
