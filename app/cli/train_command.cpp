// depthscope-cli train: trains every run of a spec (one after another), or resumes one run.
// SIGINT/SIGTERM finish the current step, checkpoint and mark the run stopped (exit 0).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "app/cli/commands.h"
#include "app/cli/train_distributed.h"
#include "core/io/json_numbers.h"
#include "core/error.h"
#include "core/runtime/memory.h"
#include "core/runtime/threads.h"
#include "core/train/distributed_env.h"
#include "core/train/distributed_group.h"
#include "core/train/experiment.h"
#include "core/runtime/install_layout.h"
#include "core/train/train_spec.h"
#include "core/train/trainer.h"

namespace depthscope::cli {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  if (g_stop.exchange(true)) _exit(130);  // a second signal: leave at once
}

std::string clock_text(double s) {
  if (s < 0) return "--:--";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

// One run, printing a progress line on a terminal or one JSON object per step with --json.
// With a group, rank 0 alone prints.
struct TrainCall {
  std::string db, out;
  bool json = false;
  bool explicit_threads = false;  // --threads given: it wins over the spec's "threads"
  std::int64_t memory_budget = 0;
  std::int64_t stop_after = 0;  // > 0: stop after that step with a checkpoint, as SIGTERM does
};

int train_one(std::int64_t run, const TrainCall& call, bool resume, DistGroup* group = nullptr,
              bool* stopped = nullptr) {
  const bool json = call.json;
  const std::int64_t stop_after = call.stop_after;
  TrainRunOptions o;
  o.db_path = call.db;
  o.out_dir = call.out;
  o.resume = resume;
  o.stop = &g_stop;
  o.dist = group;
  o.use_spec_threads = !call.explicit_threads;
  // A run database may come from someone else: say which files it makes this process read and
  // write before it does (the paths are its author's choice).
  o.show_paths = [run](const std::vector<RunPath>& paths) {
    std::string text;
    for (const RunPath& p : paths) text += "\n  " + std::string(p.writes ? "writes " : "reads  ") + p.role + ": " + p.path;
    std::fprintf(stderr, "run %lld uses:%s\n", static_cast<long long>(run), text.c_str());
  };
  o.memory_budget = call.memory_budget;
  const bool tty = isatty(STDERR_FILENO) != 0;
  o.on_step = [&](const TrainRunOptions::StepReport& r) {
    if (stop_after > 0 && r.step >= stop_after) g_stop = true;
    if (json) {
      nlohmann::json j = {{"run", r.run}, {"step", r.step}, {"steps", r.steps}, {"loss", r.loss}, {"lr", r.lr},
                          {"grad_norm", r.grad_norm}, {"tokens_per_s", r.tokens_per_s}, {"eta_s", r.eta_s}};
      if (r.val_loss >= 0) j["val_loss"] = r.val_loss;
      std::cout << faithful_json(j).dump() << "\n" << std::flush;
    } else if (tty || r.val_loss >= 0 || r.step == r.steps) {
      std::fprintf(stderr, "%srun %lld  step %lld/%lld  loss %.4f%s  %.0f tok/s  ETA %s%s",
                   tty ? "\r\033[K" : "", static_cast<long long>(r.run), static_cast<long long>(r.step),
                   static_cast<long long>(r.steps), r.loss,
                   r.val_loss >= 0 ? ("  val " + std::to_string(r.val_loss).substr(0, 6)).c_str() : "",
                   r.tokens_per_s, clock_text(r.eta_s).c_str(), tty && r.val_loss < 0 && r.step < r.steps ? "" : "\n");
    }
  };
  const TrainRunResult r = train_run(run, o);
  if (stopped != nullptr) *stopped = r.end == TrainEnd::stopped;  // with a group: every rank alike
  if (group != nullptr && group->rank() != 0) return r.end == TrainEnd::diverged ? 3 : 0;
  const char* end = r.end == TrainEnd::finished ? "finished" : r.end == TrainEnd::stopped ? "stopped" : "diverged";
  if (json) {
    std::cout << nlohmann::json({{"run", run}, {"status", end}, {"step", r.step}, {"message", r.message}}).dump()
              << "\n";
  } else {
    std::fprintf(stderr, "run %lld %s at step %lld%s%s\n", static_cast<long long>(run), end,
                 static_cast<long long>(r.step), r.message.empty() ? "" : ": ", r.message.c_str());
  }
  return r.end == TrainEnd::diverged ? 3 : 0;
}

// `train --spec` with several runs: one that fails or is stopped does not leave the others
// unexplained. Each run's end is printed; runs not started are named with how to start them.
int train_runs_in_turn(const std::vector<std::int64_t>& runs, const TrainCall& call, DistGroup* group) {
  int code = 0;
  bool stop_rest = false;
  std::string skipped;
  for (const std::int64_t r : runs) {
    if (stop_rest || (g_stop.load() && group == nullptr)) {
      skipped += (skipped.empty() ? "" : ", ") + std::to_string(r);
      continue;
    }
    bool stopped = false;
    try {
      code = std::max(code, train_one(r, call, /*resume=*/false, group, &stopped));
    } catch (const std::exception& e) {
      if (group != nullptr) throw;  // every rank fails together
      std::fprintf(stderr, "depthscope-cli: error: run %lld failed: %s\n", static_cast<long long>(r), e.what());
      code = std::max(code, 1);
      continue;  // the next run does not depend on this one
    }
    stop_rest = stopped;  // a stop request covers the runs after it (a group agrees inside the run)
  }
  if (!skipped.empty())
    std::fprintf(stderr, "run(s) %s not started (stopped on request): they stay queued; start them with "
                 "depthscope-cli jobs resume RUN --db %s, or train --run RUN\n", skipped.c_str(), call.db.c_str());
  return code;
}

}  // namespace

void add_train_command(CLI::App& app) {
  struct Options {
    std::string spec, db, out;
    std::int64_t resume = 0, run = 0, stop_after = 0;
    std::string device, dtype;  // replace the spec's "device" / "dtype"
    std::string memory_budget;
    bool json = false;
    DistCliOptions dist;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("train", "Train every run of a spec (Pre-LN vs LNS, ...) into a run database");
  auto* spec = cmd->add_option("--spec", o->spec, "Training spec (JSON; docs/training.md), or the name of an installed one (tiny-pair)");
  auto* resume = cmd->add_option("--resume", o->resume, "Continue run RUN from its last checkpoint");
  auto* one = cmd->add_option("--run", o->run, "Train run RUN of the database from its start (a queued run; the job manager's worker)");
  spec->excludes(resume);
  spec->excludes(one);
  resume->excludes(one);
  cmd->add_option("--db", o->db, "Run database (SQLite; created when missing)")->required();
  cmd->add_option("--out", o->out, "Checkpoint folder (default: <db name>-runs beside the database)");
  cmd->add_flag("--json", o->json, "Print one JSON object per step on stdout instead of a progress line");
  cmd->add_option("--stop-after", o->stop_after,
                  "Stop after step N with a checkpoint, as SIGTERM does (train --resume RUN continues)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--device", o->device, "Train on cpu, cuda or cuda:N (replaces the spec's \"device\")");
  cmd->add_option("--dtype", o->dtype, "f32, or bf16 mixed precision on CUDA (replaces the spec's \"dtype\")");
  cmd->add_option("--memory-budget", o->memory_budget,
                  "Refuse a run whose estimated peak memory is larger (e.g. 8G; default 70% of physical memory)");
  add_dist_options(cmd, o->dist);
  cmd->callback([o, cmd] {
    if (o->spec.empty() && o->resume == 0 && o->run == 0)
      throw UsageError("train needs --spec SPEC.json, --run RUN or --resume RUN");
    if (o->spec.empty() && (!o->device.empty() || !o->dtype.empty()))
      throw UsageError("--device and --dtype go with --spec; a run keeps the device and dtype of its spec");
    TrainCall call;
    call.db = o->db;
    call.out = o->out.empty() ? default_run_dir(o->db) : o->out;
    call.json = o->json;
    call.stop_after = o->stop_after;
    call.explicit_threads = cmd->get_parent()->get_option("--threads")->count() > 0;
    if (!o->memory_budget.empty()) call.memory_budget = parse_byte_size(o->memory_budget);
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    // Past a file-size limit (RLIMIT_FSIZE) a write must fail with EFBIG, which names the file
    // and marks the run failed, instead of SIGXFSZ killing the process silently.
    std::signal(SIGXFSZ, SIG_IGN);
    int code = 0;
    // Data parallel (docs/distributed.md): --nproc N launches N local ranks of this command;
    // a rank (WORLD_SIZE > 1 from torchrun, srun or --nproc) joins the group first.
    const bool launcher = o->dist.nproc > 1;
    const auto* threads_opt = cmd->get_parent()->get_option("--threads");
    const int rank_threads = threads_opt->count() > 0 ? threads_opt->as<int>()
                             : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / std::max(1, o->dist.nproc));
    std::unique_ptr<DistGroup> group;
    const std::int64_t existing = o->resume > 0 ? o->resume : o->run;
    if (!launcher && existing > 0) {
      // Only rank 0 opens the run database; the other ranks take its backend from the group.
      const DistEnv env = dist_env_from_environment();
      const bool reads_db = !env.active() || env.rank == 0;
      group = join_dist_group(o->dist, reads_db && env.active() ? run_device(o->db, existing) : std::string());
    }
    if (launcher && existing > 0) {
      check_local_launch_run(o->dist, o->db, existing);
      code = launch_local_training(o->dist, {existing}, o->resume > 0, o->db, call.out, o->json, rank_threads, g_stop);
    } else if (existing > 0) {
      code = train_one(existing, call, /*resume=*/o->resume > 0, group.get());
    } else {
      // A path, or the name of a spec installed with DepthScope (share/depthscope/specs).
      const std::string found = find_spec(o->spec);
      nlohmann::json overrides = nlohmann::json::object();
      if (!o->device.empty()) overrides["device"] = o->device;
      if (!o->dtype.empty()) overrides["dtype"] = o->dtype;
      const TrainSpec spec = read_train_spec(found.empty() ? o->spec : found, overrides);
      if (spec.threads > 0 && !call.explicit_threads) set_threads(spec.threads);
      if (launcher) check_local_launch(o->dist, spec.device, spec.batch);
      else group = join_dist_group(o->dist, spec.device);
      CreatedExperiment e;
      if (group == nullptr || group->rank() == 0) e = create_experiment(spec, o->db);
      if (group != nullptr) {
        // Rank 0 creates the runs (building the corpus may take a while) and hands out their ids.
        if (group->rank() == 0) group->publish("runs", nlohmann::json(e.runs).dump());
        else e.runs = nlohmann::json::parse(group->fetch("runs", std::max(o->dist.timeout_s, 3600.0))).get<std::vector<std::int64_t>>();
      }
      std::string ids;
      for (std::int64_t r : e.runs) ids += (ids.empty() ? "" : " ") + std::to_string(r);
      if (group != nullptr && group->rank() != 0)
        ;  // rank 0 prints
      else if (o->json)
        std::cout << nlohmann::json({{"experiment", e.experiment}, {"runs", e.runs}, {"corpus", e.corpus_dir}}).dump()
                  << "\n";
      else
        std::printf("experiment %lld: runs %s (corpus %s)\n", static_cast<long long>(e.experiment), ids.c_str(),
                    e.corpus_dir.c_str());
      std::fflush(stdout);
      if (launcher) code = launch_local_training(o->dist, e.runs, /*resume=*/false, o->db, call.out, o->json, rank_threads, g_stop);
      else code = train_runs_in_turn(e.runs, call, group.get());
    }
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace depthscope::cli
