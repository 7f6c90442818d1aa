#pragma once
// Deleting a run: its rows in the run database and, when asked, its files (the checkpoint
// folders it listed, leftover step-<k>.<attempt>.partial folders, its run-<id> folder once empty and its
// log). A run whose process is alive is refused: stop it first. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "core/jobs/job_options.h"
#include "core/store/run_counts.h"

namespace depthscope::jobs {

struct RemovedRun {
  std::int64_t run = 0;
  store::RunRowCounts rows;           // rows deleted
  std::vector<std::string> removed;   // files and folders removed
  std::vector<std::string> kept;      // listed checkpoint paths left alone, each with the reason
};

// Throws UsageError naming the run when it does not exist or its process is alive.
RemovedRun remove_run(const JobOptions& options, std::int64_t run, bool files);

}  // namespace depthscope::jobs
