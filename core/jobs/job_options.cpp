#include "core/jobs/job_options.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/jobs/process_spawn.h"
#include "core/train/experiment.h"

namespace depthscope::jobs {

store::StoreOptions store_options_from_env() {
  store::StoreOptions o;
  const char* text = std::getenv("DEPTHSCOPE_STALE_AFTER_MS");
  if (text == nullptr || *text == '\0') return o;
  char* end = nullptr;
  const long long ms = std::strtoll(text, &end, 10);
  if (*end != '\0' || ms <= 0)
    throw UsageError(std::string("DEPTHSCOPE_STALE_AFTER_MS is '") + text +
                     "'; it must be a positive number of milliseconds (the heartbeat timeout "
                     "after which a running run counts as lost), or unset for 10 minutes");
  o.stale_after_ms = ms;
  return o;
}

int training_threads(const JobOptions& o, int spec_threads, int env_threads, int cores) {
  if (o.threads > 0) return o.threads;
  if (spec_threads > 0) return spec_threads;
  if (env_threads > 0) return env_threads;
  return std::max(1, cores / std::max(1, o.parallel));
}

JobOptions resolved(JobOptions o) {
  if (o.db_path.empty()) throw UsageError("no run database given (--db DB)");
  o.db_path = std::filesystem::absolute(o.db_path).string();
  if (o.cli_path.empty()) o.cli_path = self_executable();
  if (o.out_dir.empty()) o.out_dir = default_run_dir(o.db_path);
  o.out_dir = std::filesystem::absolute(o.out_dir).string();
  if (o.parallel < 1) throw UsageError("--parallel must be at least 1 (it is " + std::to_string(o.parallel) + ")");
  return o;
}

std::string run_log_path(const std::string& out_dir, std::int64_t run) {
  return (std::filesystem::path(out_dir) / ("run-" + std::to_string(run) + ".log")).string();
}

std::string worker_log_path(const std::string& out_dir) {
  return (std::filesystem::path(out_dir) / "worker.log").string();
}

}  // namespace depthscope::jobs
