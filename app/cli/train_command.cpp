// depthscope-cli train: trains every run of a spec (one after another), or resumes one run.
// SIGINT/SIGTERM finish the current step, checkpoint and mark the run stopped (exit 0).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "app/cli/commands.h"
#include "core/io/json_numbers.h"
#include "core/error.h"
#include "core/runtime/threads.h"
#include "core/train/experiment.h"
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
int train_one(std::int64_t run, const std::string& db, const std::string& out, bool resume, bool json) {
  TrainRunOptions o;
  o.db_path = db;
  o.out_dir = out;
  o.resume = resume;
  o.stop = &g_stop;
  const bool tty = isatty(STDERR_FILENO) != 0;
  o.on_step = [&](const TrainRunOptions::StepReport& r) {
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

}  // namespace

void add_train_command(CLI::App& app) {
  struct Options {
    std::string spec, db, out;
    std::int64_t resume = 0, run = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("train", "Train every run of a spec (Pre-LN vs LNS, ...) into a run database");
  auto* spec = cmd->add_option("--spec", o->spec, "Training spec (JSON; docs/training.md)");
  auto* resume = cmd->add_option("--resume", o->resume, "Continue run RUN from its last checkpoint");
  auto* one = cmd->add_option("--run", o->run, "Train run RUN of the database from its start (a queued run; the job manager's worker)");
  spec->excludes(resume);
  spec->excludes(one);
  resume->excludes(one);
  cmd->add_option("--db", o->db, "Run database (SQLite; created when missing)")->required();
  cmd->add_option("--out", o->out, "Checkpoint folder (default: <db name>-runs beside the database)");
  cmd->add_flag("--json", o->json, "Print one JSON object per step on stdout instead of a progress line");
  cmd->callback([o, cmd] {
    if (o->spec.empty() && o->resume == 0 && o->run == 0)
      throw UsageError("train needs --spec SPEC.json, --run RUN or --resume RUN");
    const std::string out = o->out.empty() ? default_run_dir(o->db) : o->out;
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    // Past a file-size limit (RLIMIT_FSIZE) a write must fail with EFBIG, which names the file
    // and marks the run failed, instead of SIGXFSZ killing the process silently.
    std::signal(SIGXFSZ, SIG_IGN);
    int code = 0;
    if (o->resume > 0) {
      code = train_one(o->resume, o->db, out, /*resume=*/true, o->json);
    } else if (o->run > 0) {
      code = train_one(o->run, o->db, out, /*resume=*/false, o->json);
    } else {
      const TrainSpec spec = read_train_spec(o->spec);
      if (spec.threads > 0 && cmd->get_parent()->get_option("--threads")->count() == 0) set_threads(spec.threads);
      const CreatedExperiment e = create_experiment(spec, o->db);
      std::string ids;
      for (std::int64_t r : e.runs) ids += (ids.empty() ? "" : " ") + std::to_string(r);
      if (o->json)
        std::cout << nlohmann::json({{"experiment", e.experiment}, {"runs", e.runs}, {"corpus", e.corpus_dir}}).dump()
                  << "\n";
      else
        std::printf("experiment %lld: runs %s (corpus %s)\n", static_cast<long long>(e.experiment), ids.c_str(),
                    e.corpus_dir.c_str());
      std::fflush(stdout);
      for (std::int64_t r : e.runs) {
        if (g_stop.load()) break;
        code = std::max(code, train_one(r, o->db, out, /*resume=*/false, o->json));
      }
    }
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace depthscope::cli
