// depthscope-cli jobs start | list | stop | resume | wait (and the internal `jobs worker`):
// runs as separate training processes started by a detached job worker
// (core/jobs/job_manager.h, queue_worker.h; docs/runs.md "Jobs").
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/run_json.h"
#include "core/error.h"
#include "core/jobs/job_manager.h"
#include "core/jobs/queue_worker.h"
#include "core/store/run_db.h"
#include "core/train/run_paths.h"

namespace depthscope::cli {
namespace {

struct JobsArgs {
  std::string db, out, spec;
  std::int64_t run = 0;
  int parallel = 1;
  int nice = jobs::kDefaultJobNice;
  double timeout_s = 0;
  bool json = false, all = false, wait = false, force = false;
};

void add_nice_option(CLI::App* cmd, JobsArgs* a) {
  cmd->add_option("--nice", a->nice,
                  "If a worker has to be started: lower its and its training processes' CPU priority by this "
                  "much (0-19; default " + std::to_string(jobs::kDefaultJobNice) + ", so the desktop stays responsive)")
      ->check(CLI::Range(0, 19));
}

jobs::JobOptions job_options(const CLI::App& app, const JobsArgs& a) {
  jobs::JobOptions o;
  o.db_path = a.db;
  o.out_dir = a.out;
  o.parallel = a.parallel;
  o.nice = a.nice;
  const CLI::Option* threads = app.get_option("--threads");
  if (threads->count() > 0) o.threads = threads->as<int>();
  o.store = jobs::store_options_from_env();
  return o;
}

nlohmann::json worker_json(const jobs::WorkerStart& w, const jobs::JobOptions& o) {
  nlohmann::json j = {{"started", w.started}, {"pid", w.pid}};
  j["out_dir"] = w.started ? o.out_dir : w.existing.out_dir;
  j["log"] = jobs::worker_log_path(j["out_dir"].get<std::string>());
  return j;
}

void print_worker(const jobs::WorkerStart& w, const jobs::JobOptions& o) {
  if (w.started) {
    std::printf("job worker started (pid %lld); it writes %s\n", static_cast<long long>(w.pid),
                jobs::worker_log_path(o.out_dir).c_str());
    return;
  }
  std::printf("a job worker is already draining %s (pid %lld); it starts the queued runs in turn\n",
              o.db_path.c_str(), static_cast<long long>(w.pid));
  if (!w.existing.out_dir.empty() && w.existing.out_dir != o.out_dir)
    std::fprintf(stderr, "warning: that worker writes checkpoints to %s, not %s\n", w.existing.out_dir.c_str(),
                 o.out_dir.c_str());
}

// jobs wait's exit status: what the run's training process exits with (docs/runs.md).
int status_exit_code(store::RunStatus s) {
  switch (s) {
    case store::RunStatus::finished:
    case store::RunStatus::stopped:
      return 0;
    case store::RunStatus::diverged:
      return 3;
    default:
      return 1;
  }
}

int wait_and_print(jobs::JobManager& m, std::int64_t run, double timeout_s, bool json) {
  const jobs::WaitResult w =
      m.wait(run, std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)));
  if (json) {
    nlohmann::json j = run_json(w.run);
    j["timed_out"] = w.timed_out;
    std::cout << j.dump() << "\n";
  } else if (w.timed_out) {
    std::printf("run %lld is still %s at step %lld of %lld after %g s\n", static_cast<long long>(run),
                std::string(store::to_string(w.run.status)).c_str(), static_cast<long long>(w.run.step),
                static_cast<long long>(w.run.steps), timeout_s);
  } else {
    std::printf("run %lld %s at step %lld of %lld%s%s\n", static_cast<long long>(run),
                std::string(store::to_string(w.run.status)).c_str(), static_cast<long long>(w.run.step),
                static_cast<long long>(w.run.steps), w.run.error.empty() ? "" : ": ", w.run.error.c_str());
  }
  return w.timed_out ? 124 : status_exit_code(w.run.status);
}

void add_start(CLI::App& app, CLI::App* jobs) {
  auto a = std::make_shared<JobsArgs>();
  auto* cmd = jobs->add_subcommand("start", "Queue one run per scheme of a spec and return at once; a job worker trains them");
  cmd->add_option("--spec", a->spec, "Training spec (JSON; docs/training.md). Without it: start a worker for runs already queued");
  cmd->add_option("--db", a->db, "Run database (SQLite; created when missing)")->required();
  cmd->add_option("--out", a->out, "Checkpoints and logs (default: <db name>-runs beside the database)");
  cmd->add_option("--parallel", a->parallel, "Training processes at once (default 1)")->check(CLI::PositiveNumber);
  add_nice_option(cmd, a.get());
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&app, a] {
    jobs::JobManager m(job_options(app, *a));
    nlohmann::json j;
    if (!a->spec.empty()) {
      const jobs::QueuedExperiment e = m.queue_spec(a->spec);
      j = {{"experiment", e.experiment}, {"runs", e.runs}, {"corpus", e.corpus_dir}};
      if (!a->json) {
        std::string ids;
        for (std::int64_t r : e.runs) ids += (ids.empty() ? "" : " ") + std::to_string(r);
        std::printf("experiment %lld: queued runs %s (corpus %s)\n", static_cast<long long>(e.experiment),
                    ids.c_str(), e.corpus_dir.c_str());
      }
    }
    const jobs::WorkerStart w = m.ensure_worker();
    if (a->json) {
      j["worker"] = worker_json(w, m.options());
      std::cout << j.dump() << "\n";
    } else {
      print_worker(w, m.options());
    }
  });
}

void add_worker(CLI::App& app, CLI::App* jobs) {
  auto a = std::make_shared<JobsArgs>();
  auto* cmd = jobs->add_subcommand("worker", "Drain the queue of a run database (started by jobs start; internal)");
  cmd->group("");  // hidden from --help: started by the job manager
  cmd->add_option("--db", a->db, "Run database")->required();
  cmd->add_option("--out", a->out, "Checkpoints and logs");
  cmd->add_option("--parallel", a->parallel, "Training processes at once")->check(CLI::PositiveNumber);
  add_nice_option(cmd, a.get());
  cmd->callback([&app, a] {
    // Ctrl-C or SIGTERM: start nothing more; the training processes keep running.
    static std::atomic<bool> stop{false};
    std::signal(SIGINT, [](int) { stop = true; });
    std::signal(SIGTERM, [](int) { stop = true; });
    jobs::run_queue_worker(job_options(app, *a), std::cerr, &stop);
  });
}

void add_list(CLI::App& app, CLI::App* jobs) {
  auto a = std::make_shared<JobsArgs>();
  auto* cmd = jobs->add_subcommand("list", "Queued and running runs, and the job worker");
  cmd->add_option("--db", a->db, "Run database")->required();
  cmd->add_flag("--all", a->all, "Every run, not only queued and running ones");
  cmd->add_flag("--json", a->json, "Print JSON: {\"worker\": {...}, \"jobs\": [runs]}");
  cmd->callback([&app, a] {
    require_database(a->db);
    const jobs::JobOptions o = jobs::resolved(job_options(app, *a));
    store::RunDb db(o.db_path, o.store);
    std::vector<store::RunRecord> runs;
    for (store::RunRecord& r : db.list_runs())  // reaps lost runs first
      if (a->all || r.status == store::RunStatus::queued || r.status == store::RunStatus::running)
        runs.push_back(std::move(r));
    const jobs::WorkerInfo w = jobs::worker_info(o.db_path);
    if (a->json) {
      nlohmann::json j = {{"worker",
                           {{"running", w.running}, {"pid", w.pid}, {"host", w.host}, {"out_dir", w.out_dir},
                            {"parallel", w.parallel}, {"started_at", w.started_at}}},
                          {"jobs", nlohmann::json::array()}};
      for (const store::RunRecord& r : runs) j["jobs"].push_back(run_json(r));
      std::cout << j.dump() << "\n";
      return;
    }
    if (w.running)
      std::printf("job worker: pid %lld on %s, %d at a time, since %s\n", static_cast<long long>(w.pid),
                  w.host.c_str(), w.parallel, local_time(w.started_at).c_str());
    else
      std::printf("job worker: none\n");
    if (runs.empty()) {
      std::printf("no %sruns\n", a->all ? "" : "queued or running ");
      return;
    }
    std::printf("%5s  %-24s %-9s %11s  %8s  %s\n", "id", "name", "status", "step", "pid", "heartbeat");
    for (const store::RunRecord& r : runs) {
      const std::string step = std::to_string(r.step) + "/" + std::to_string(r.steps);
      std::printf("%5lld  %-24s %-9s %11s  %8s  %s\n", static_cast<long long>(r.id), r.name.c_str(),
                  std::string(store::to_string(r.status)).c_str(), step.c_str(),
                  r.pid ? std::to_string(*r.pid).c_str() : "-", local_time(r.heartbeat_at.value_or(0)).c_str());
    }
  });
}

void add_stop(CLI::App& app, CLI::App* jobs) {
  auto a = std::make_shared<JobsArgs>();
  auto* cmd = jobs->add_subcommand("stop", "Stop a run: it checkpoints after its current step (a queued run never starts)");
  cmd->add_option("RUN", a->run, "Run id")->required();
  cmd->add_option("--db", a->db, "Run database")->required();
  cmd->add_flag("--wait", a->wait, "Wait until the run has stopped");
  cmd->add_option("--timeout", a->timeout_s, "With --wait: give up after this many seconds (exit 124)");
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&app, a] {
    require_database(a->db);
    jobs::JobManager m(job_options(app, *a));
    const jobs::StopResult s = m.stop(a->run);
    const char* action = s.action == jobs::StopAction::signalled ? "signalled" : "dequeued";
    if (a->json && !a->wait) {
      std::cout << nlohmann::json({{"run", a->run}, {"action", action}, {"pid", s.pid}}).dump() << "\n";
      return;
    }
    if (!a->json) {
      if (s.action == jobs::StopAction::signalled)
        std::printf("run %lld: sent SIGTERM to pid %lld; it checkpoints after its current step and stops\n",
                    static_cast<long long>(a->run), static_cast<long long>(s.pid));
      else
        std::printf("run %lld was still queued: stopped, it will not start\n", static_cast<long long>(a->run));
      std::fflush(stdout);
    }
    if (a->wait) {
      const int code = wait_and_print(m, a->run, a->timeout_s, a->json);
      if (code != 0) throw CLI::RuntimeError(code);
    }
  });
}

void add_resume(CLI::App& app, CLI::App* jobs) {
  auto a = std::make_shared<JobsArgs>();
  auto* cmd = jobs->add_subcommand("resume", "Queue a stopped or failed run again; it continues from its last checkpoint");
  cmd->add_option("RUN", a->run, "Run id")->required();
  cmd->add_option("--db", a->db, "Run database")->required();
  cmd->add_option("--out", a->out, "Checkpoints and logs, if a worker has to be started (default: <db name>-runs)");
  add_nice_option(cmd, a.get());
  cmd->add_option("--parallel", a->parallel, "If a worker has to be started: training processes at once")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->add_flag("--force", a->force,
                "Take the run over even though its recorded process is alive here (e.g. frozen): that process "
                "stops without writing anything more");
  cmd->callback([&app, a] {
    require_database(a->db);
    jobs::JobManager m(job_options(app, *a));
    // The paths the run's stored spec names, shown before the resume reads or writes them
    // (a run database may come from someone else).
    std::vector<RunPath> paths;
    {
      store::RunDb d(a->db);
      const std::optional<store::RunRecord> r = d.get_run(a->run);
      if (r) {
        const std::optional<store::CheckpointRecord> ck = d.last_checkpoint(a->run);
        paths = run_paths(r->spec_json, ck ? std::optional<std::string>(ck->path) : std::nullopt,
                          a->db + ": run " + std::to_string(a->run));
      }
    }
    if (!a->json) {
      std::string text;
      for (const RunPath& p : paths) text += "\n  " + std::string(p.writes ? "writes " : "reads  ") + p.role + ": " + p.path;
      if (!text.empty()) std::fprintf(stderr, "run %lld will use:%s\n", static_cast<long long>(a->run), text.c_str());
    }
    const jobs::WorkerStart w = m.resume(a->run, a->force);
    if (a->json) {
      nlohmann::json listed = nlohmann::json::array();
      for (const RunPath& p : paths) listed.push_back({{"role", p.role}, {"path", p.path}, {"access", p.writes ? "write" : "read"}});
      std::cout << nlohmann::json({{"run", a->run}, {"status", "queued"}, {"paths", listed},
                                   {"worker", worker_json(w, m.options())}})
                       .dump()
                << "\n";
      return;
    }
    std::printf("run %lld queued to resume\n", static_cast<long long>(a->run));
    print_worker(w, m.options());
  });
}

void add_wait(CLI::App& app, CLI::App* jobs) {
  auto a = std::make_shared<JobsArgs>();
  auto* cmd = jobs->add_subcommand("wait", "Wait until a run has ended; exit 0 finished/stopped, 3 diverged, 1 failed");
  cmd->add_option("RUN", a->run, "Run id")->required();
  cmd->add_option("--db", a->db, "Run database")->required();
  cmd->add_option("--timeout", a->timeout_s, "Give up after this many seconds (exit 124; default: no limit)");
  cmd->add_flag("--json", a->json, "Print the run as JSON (as runs list, plus timed_out)");
  cmd->callback([&app, a] {
    require_database(a->db);
    jobs::JobManager m(job_options(app, *a));
    const int code = wait_and_print(m, a->run, a->timeout_s, a->json);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace

void add_jobs_command(CLI::App& app) {
  auto* jobs = app.add_subcommand("jobs", "Training runs as background processes: start, list, stop, resume, wait");
  jobs->require_subcommand(1);
  add_start(app, jobs);
  add_worker(app, jobs);
  add_list(app, jobs);
  add_stop(app, jobs);
  add_resume(app, jobs);
  add_wait(app, jobs);
}

}  // namespace depthscope::cli
