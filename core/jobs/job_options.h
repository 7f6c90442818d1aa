#pragma once
// How the job manager starts training processes for one run database. Plain values, so the
// CLI and the GUI fill them alike. Torch-free.
#include <cstdint>
#include <string>

#include "core/store/store_options.h"

namespace depthscope::jobs {

inline constexpr int kDefaultJobNice = 10;

struct JobOptions {
  std::string db_path;
  // The depthscope-cli binary that runs `jobs worker` and `train`. Empty: this process's own
  // executable (/proc/self/exe), which is right when the caller is depthscope-cli; the GUI
  // passes the path of the depthscope-cli beside it.
  std::string cli_path;
  // Checkpoints (<out_dir>/run-<id>/step-<k>) and logs (<out_dir>/run-<id>.log,
  // <out_dir>/worker.log). Empty: <db name>-runs beside the database (as `train`).
  std::string out_dir;
  int parallel = 1;  // training processes at once
  int threads = 0;   // --threads for training processes; 0: theirs (DEPTHSCOPE_THREADS, spec, all cores)
  // How much the worker lowers its own CPU priority (nice increment, 0..19) before it starts
  // training processes, which inherit it: training runs in the background, so the desktop and
  // the GUI (which polls the database and replots at normal priority) stay responsive.
  int nice = kDefaultJobNice;
  // How the job manager opens the database; stale_after_ms is the heartbeat timeout after
  // which a running run counts as lost (the CLI fills it from store_options_from_env()).
  store::StoreOptions store;
};

// StoreOptions with stale_after_ms from DEPTHSCOPE_STALE_AFTER_MS when it is set (a positive
// number of milliseconds; tests use a few seconds), else the store's default (10 minutes).
// Throws UsageError naming the variable when it is not a positive integer.
store::StoreOptions store_options_from_env();

// The tensor threads of one training process the worker starts: `threads` when set (the
// worker's --threads), else the run's spec "threads" when set, else `env_threads` when set
// (DEPTHSCOPE_THREADS), else cores / parallel (at least 1), so `parallel` runs at once never
// oversubscribe the machine.
int training_threads(const JobOptions& options, int spec_threads, int env_threads, int cores);

// The resolved paths: cli_path and out_dir filled in.
JobOptions resolved(JobOptions options);

// <out_dir>/run-<id>.log: stdout and stderr of the run's training processes (appended).
std::string run_log_path(const std::string& out_dir, std::int64_t run);
// <out_dir>/worker.log: what the worker did (appended).
std::string worker_log_path(const std::string& out_dir);

}  // namespace depthscope::jobs
