// One owner per run, with real processes (issue 20): a trainer frozen with SIGSTOP is reaped
// as "process lost", `jobs resume` refuses while it is alive, `jobs resume --force` hands the
// run to a new process, and when the old one is continued it finds it lost the run, exits
// non-zero with a one-line reason and writes nothing more.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/jobs_test_support.h"
#include "core/store/connection.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/store/run_queue.h"
#include "core/train/experiment.h"
#include "core/train/train_spec.h"
#include "tests/core/store/store_test_util.h"

namespace {

using namespace depthscope;
using namespace depthscope::test;

class OwnershipCli : public JobsScratch {
 protected:
  std::string file_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(OwnershipCli, AFrozenTrainerThatLostItsRunWritesNothingMoreAfterAResume) {
  make("ownership_sigstop");
  SpecShape shape;
  shape.steps = 900;
  shape.schemes = R"(["pre"])";
  shape.eval_every = 300;
  shape.layer_metrics_every = 300;
  shape.checkpoint_every = 100;
  const std::string spec = write_spec(dir_, "own", shape);
  // Two slots, so the worker can start the new attempt while the old process is frozen.
  const auto j = cli_json("jobs start --spec " + spec + dbarg() + " --parallel 2 --json");
  const std::int64_t run = j.at("runs").at(0);
  const std::int64_t old_pid = running_pid(run, 130);  // past its checkpoint at step 100
  ASSERT_GT(old_pid, 0);
  ASSERT_TRUE(freeze_outside_a_write(old_pid));

  // Reaped as "process lost" once its heartbeat is older than the timeout.
  setenv("DEPTHSCOPE_STALE_AFTER_MS", "3000", 1);
  const auto lost = cli_json("jobs wait " + std::to_string(run) + dbarg() + " --timeout 60 --json", 1);
  EXPECT_EQ(lost.at("error"), "process lost") << lost;
  // Back to the default timeout: a busy machine (CI, a build beside the tests) can hold the new
  // attempt's 2-second heartbeat past 3 s, and the wait below would reap it too.
  unsetenv("DEPTHSCOPE_STALE_AFTER_MS");

  // A plain resume is refused while the frozen process is alive, naming its pid.
  const CliResult refused = run_cli("jobs resume " + std::to_string(run) + dbarg());
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find(std::to_string(old_pid)), std::string::npos) << refused.output;
  EXPECT_EQ(run_record(db_, run).status, store::RunStatus::failed);

  // --force takes it over: a new attempt resumes from the last checkpoint.
  const CliResult forced = run_cli("jobs resume " + std::to_string(run) + dbarg() + " --force");
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  // The paths the stored spec names are shown before the resume uses them.
  EXPECT_NE(forced.output.find("reads  corpus.dir: "), std::string::npos) << forced.output;
  EXPECT_NE(forced.output.find("reads  checkpoint: "), std::string::npos) << forced.output;
  const std::int64_t new_pid = running_pid(run, 150, old_pid);
  ASSERT_GT(new_pid, 0);
  const std::int64_t takeover_id = store::test::RawDb(db_).integer("SELECT max(id) FROM metrics");

  // The old process continues, finds it lost the run, and exits.
  ASSERT_EQ(kill(static_cast<pid_t>(old_pid), SIGCONT), 0);
  EXPECT_TRUE(eventually([&] { return !store::process_alive(old_pid); }, 60)) << "the old trainer did not stop";
  const auto done = cli_json("jobs wait " + std::to_string(run) + dbarg() + " --timeout 240 --json", 0);
  unsetenv("DEPTHSCOPE_STALE_AFTER_MS");
  EXPECT_EQ(done.at("status"), "finished") << done;

  store::RunDb d(db_);
  // Per key, rows in insertion order have strictly increasing steps: no interleaving.
  std::map<std::string, std::int64_t> last_step;
  std::int64_t rows = 0;
  for (const store::MetricRow& r : store::metrics_since(d, run, 0).rows) {
    auto it = last_step.find(r.key);
    if (it != last_step.end()) EXPECT_LT(it->second, r.step) << r.key << " at row " << r.id;
    last_step[r.key] = r.step;
    ++rows;
  }
  EXPECT_EQ(last_step["train/loss"], 900);
  EXPECT_GT(rows, 900);
  // One checkpoint row per step; every one after the resume point written by the surviving
  // attempt; every listed folder complete.
  store::test::RawDb raw(db_);
  const long long attempt = raw.integer("SELECT attempt FROM runs WHERE id = " + std::to_string(run));
  EXPECT_EQ(raw.integer("SELECT count(*) - count(DISTINCT step) FROM checkpoints"), 0);
  const long long resumed_at = raw.integer("SELECT min(step) FROM checkpoints WHERE attempt = " + std::to_string(attempt)) - 100;
  EXPECT_EQ(raw.integer("SELECT count(*) FROM checkpoints WHERE step > " + std::to_string(resumed_at) +
                        " AND attempt <> " + std::to_string(attempt)), 0);
  EXPECT_EQ(raw.integer("SELECT max(step) FROM checkpoints"), 900);
  for (const store::CheckpointRecord& c : d.checkpoints(run))
    EXPECT_TRUE(fs::exists(fs::path(c.path) / "trainer_state.json")) << c.path;
  // The old process wrote no metric row after the takeover: the new attempt's rows alone
  // follow it, and their steps continue the checkpoint's.
  EXPECT_EQ(raw.integer("SELECT count(*) FROM metrics WHERE id > " + std::to_string(takeover_id) +
                        " AND step <= " + std::to_string(resumed_at)), 0);
  // It said why, in one line, and exited non-zero (the worker records how it ended).
  const std::string log = file_text(dir_ / "runs-runs" / ("run-" + std::to_string(run) + ".log"));
  EXPECT_NE(log.find("no longer owns the run"), std::string::npos) << log;
  bool exited_non_zero = false;
  for (const store::EventRecord& e : store::events_since(d, run, 0).rows)
    exited_non_zero |= e.message.find("training process " + std::to_string(old_pid) + " exited with code 1") !=
                       std::string::npos;
  EXPECT_TRUE(exited_non_zero);
}

TEST_F(OwnershipCli, AJobsStartWithParallelRunsGivesEachRunItsShareOfTheCores) {
  make("ownership_threads");
  SpecShape shape;
  shape.steps = 5;
  const std::string spec = write_spec(dir_, "threads", shape);
  // Without DEPTHSCOPE_THREADS (the tests set it to 1), the worker gives each run cores / 2.
  const std::string saved = std::getenv("DEPTHSCOPE_THREADS") ? std::getenv("DEPTHSCOPE_THREADS") : "";
  unsetenv("DEPTHSCOPE_THREADS");
  const auto j = cli_json("jobs start --spec " + spec + dbarg() + " --parallel 2 --json");
  if (!saved.empty()) setenv("DEPTHSCOPE_THREADS", saved.c_str(), 1);
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const int expected = std::max(1, cores / 2);
  store::RunDb d(db_);
  for (const auto& id : j.at("runs")) {
    const std::int64_t run = id.get<std::int64_t>();
    cli_json("jobs wait " + std::to_string(run) + dbarg() + " --timeout 240 --json", 0);
    bool seen = false;
    for (const store::EventRecord& e : store::events_since(d, run, 0).rows)
      seen |= e.message.find(", " + std::to_string(expected) + " tensor threads,") != std::string::npos;
    EXPECT_TRUE(seen) << "run " << run << " did not train on " << expected << " threads";
  }
}

TEST_F(OwnershipCli, TheSpecsThreadsAreHonouredByTrainRunAndAnExplicitThreadsWins) {
  make("ownership_spec_threads");
  SpecShape shape;
  shape.steps = 4;
  const std::string spec = write_spec(dir_, "t", shape);
  {
    std::ifstream in(spec);
    nlohmann::json s = nlohmann::json::parse(in);
    s["threads"] = 3;  // the test environment sets DEPTHSCOPE_THREADS=1
    std::ofstream(spec) << s.dump();
  }
  const CreatedExperiment e = create_experiment(read_train_spec(spec), db_);  // two queued runs
  ASSERT_EQ(e.runs.size(), 2u);
  ASSERT_EQ(run_cli("train --run " + std::to_string(e.runs[0]) + dbarg()).exit_code, 0);
  ASSERT_EQ(run_cli("--threads 2 train --run " + std::to_string(e.runs[1]) + dbarg()).exit_code, 0);
  store::RunDb d(db_);
  auto threads_of = [&](std::int64_t run) {
    for (const store::EventRecord& ev : store::events_since(d, run, 0).rows)
      for (int t = 1; t <= 64; ++t)
        if (ev.message.find(", " + std::to_string(t) + " tensor threads,") != std::string::npos) return t;
    return 0;
  };
  EXPECT_EQ(threads_of(e.runs[0]), 3);
  EXPECT_EQ(threads_of(e.runs[1]), 2);
}

// A queued run claimed by a process that is gone (its worker and the forked child both
// killed) is queued again, and `jobs wait` without --timeout returns, saying how to start a
// worker, instead of waiting forever.
TEST_F(OwnershipCli, JobsWaitReturnsWhenNoLiveProcessCanFinishTheRun) {
  make("ownership_orphan");
  SpecShape shape;
  shape.steps = 4;
  const CreatedExperiment e = create_experiment(read_train_spec(write_spec(dir_, "o", shape)), db_);
  const std::int64_t child = store::test::dead_pid();
  {
    store::StoreOptions o;
    o.reap_on_open = false;
    store::RunDb d(db_, o);
    ASSERT_TRUE(store::claim_queued_run(d, e.runs[0], child, store::this_host()));
  }
  const auto start = std::chrono::steady_clock::now();
  const CliResult w = run_cli("jobs wait " + std::to_string(e.runs[0]) + dbarg());
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(w.exit_code, 1) << w.output;
  EXPECT_NE(w.output.find("jobs resume"), std::string::npos) << w.output;
  EXPECT_LT(took, 30);
  const store::RunRecord r = run_record(db_, e.runs[0]);
  EXPECT_EQ(r.status, store::RunStatus::queued);
  EXPECT_FALSE(r.pid.has_value());
}

}  // namespace
