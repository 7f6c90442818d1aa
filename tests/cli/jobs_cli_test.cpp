// depthscope-cli jobs: runs trained by a detached job worker, one process per run (issue 9).
// Each test queues tiny runs (about a second each) or one long run to stop or kill mid-way.
#include <sys/resource.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/jobs_test_support.h"
#include "core/jobs/job_options.h"
#include "core/store/connection.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"

namespace {

using namespace depthscope;
using namespace depthscope::test;

class JobsCli : public JobsScratch {
 protected:
  // jobs wait RUN --json with the exit code the run's status implies.
  nlohmann::json wait_for(std::int64_t run, int expected_exit = 0) {
    return cli_json("jobs wait " + std::to_string(run) + dbarg() + " --timeout 240 --json", expected_exit);
  }

  // The job worker processes of this database alive now (their command line names it). A
  // worker's fork that has not executed `train` yet carries the same command line: it is
  // told apart by its parent, which is that worker.
  int workers_alive() {
    std::map<long, long> parent;  // worker-looking pid -> its parent pid
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(e.path() / "cmdline", std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      std::string cmd = s.str();
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
      if (cmd.find("jobs worker --db " + db_ + " ") == std::string::npos) continue;
      std::ifstream stat(e.path() / "stat");
      std::string line;
      std::getline(stat, line);
      std::istringstream fields(line.substr(line.rfind(')') + 1));  // after "pid (comm)": state, ppid
      std::string state;
      long ppid = 0;
      fields >> state >> ppid;
      parent[std::stol(name)] = ppid;
    }
    int n = 0;
    for (const auto& [pid, ppid] : parent) n += parent.count(ppid) == 0;
    return n;
  }
};

TEST_F(JobsCli, StartReturnsAtOnceAndBothRunsFinish) {
  make("jobs_start");
  const std::string spec = write_spec(dir_, "pair");
  const auto j = cli_json("jobs start --spec " + spec + dbarg() + " --json");
  ASSERT_EQ(j.at("runs").size(), 2u) << j;
  EXPECT_TRUE(j.at("worker").at("started").get<bool>()) << j;
  const std::int64_t first = j["runs"][0], second = j["runs"][1];
  // Returned before the work: the second run cannot have started yet (the first takes ~1 s).
  EXPECT_NE(run_record(db_, second).status, store::RunStatus::finished);

  for (std::int64_t run : {first, second}) {
    const auto w = wait_for(run);
    EXPECT_EQ(w.at("status"), "finished") << w;
    EXPECT_EQ(w.at("step"), 30) << w;
    EXPECT_FALSE(w.at("timed_out").get<bool>());
    EXPECT_TRUE(w.at("pid").is_number()) << w;
    EXPECT_EQ(w.at("host"), store::this_host());
  }
  // Each run trained in its own process, with its output in <db name>-runs/run-<id>.log.
  EXPECT_NE(run_record(db_, first).pid, run_record(db_, second).pid);
  for (std::int64_t run : {first, second}) {
    std::ifstream log(dir_ / "runs-runs" / ("run-" + std::to_string(run) + ".log"));
    std::stringstream text;
    text << log.rdbuf();
    EXPECT_NE(text.str().find("finished at step 30"), std::string::npos) << text.str();
  }
  EXPECT_TRUE(fs::exists(dir_ / "runs-runs" / "worker.log"));
  {
    // The worker (and the training processes it starts) run niced in the background.
    std::ifstream log(dir_ / "runs-runs" / "worker.log");
    std::stringstream text;
    text << log.rdbuf();
    const int expected = std::min(19, getpriority(PRIO_PROCESS, 0) + jobs::kDefaultJobNice);
    EXPECT_NE(text.str().find("at a time, nice " + std::to_string(expected) + ")"), std::string::npos) << text.str();
  }
  // The worker exits once the queue is drained.
  EXPECT_TRUE(eventually([&] { return !jobs::worker_info(db_).running; }, 30));
  const auto list = cli_json("jobs list" + dbarg() + " --json");
  EXPECT_FALSE(list.at("worker").at("running").get<bool>()) << list;
  EXPECT_TRUE(list.at("jobs").empty()) << list;
}

TEST_F(JobsCli, SecondStartWhileAWorkerRunsStartsNoSecondWorkerAndRunsStayOneAtATime) {
  make("jobs_second_start");
  SpecShape longer;
  longer.steps = 300;
  longer.eval_every = 100;
  longer.layer_metrics_every = 100;
  longer.checkpoint_every = 100;
  const auto a = cli_json("jobs start --spec " + write_spec(dir_, "a", longer) + dbarg() + " --json");
  ASSERT_TRUE(eventually([&] { return jobs::worker_info(db_).running; }, 60));
  const auto b = cli_json("jobs start --spec " + write_spec(dir_, "b") + dbarg() + " --json");
  EXPECT_FALSE(b.at("worker").at("started").get<bool>()) << b;
  EXPECT_EQ(b.at("worker").at("pid"), a.at("worker").at("pid")) << a << b;

  std::vector<std::int64_t> runs = a.at("runs").get<std::vector<std::int64_t>>();
  for (std::int64_t r : b.at("runs")) runs.push_back(r);
  ASSERT_EQ(runs.size(), 4u);
  int most_workers = 0;
  ASSERT_TRUE(eventually(
      [&] {
        most_workers = std::max(most_workers, workers_alive());
        for (std::int64_t r : runs)
          if (run_record(db_, r).status != store::RunStatus::finished) return false;
        return true;
      },
      240))
      << run_cli("runs list" + dbarg()).output;
  EXPECT_EQ(most_workers, 1);

  // --parallel 1 (the default): no two runs' [started_at, ended_at] overlap.
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  for (std::int64_t r : runs) {
    const store::RunRecord rec = run_record(db_, r);
    ASSERT_TRUE(rec.started_at && rec.ended_at) << r;
    spans.push_back({*rec.started_at, *rec.ended_at});
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i)
    EXPECT_GE(spans[i].first, spans[i - 1].second) << "run spans " << i - 1 << " and " << i << " overlap";
}

TEST_F(JobsCli, StopCheckpointsThenResumeFinishes) {
  make("jobs_stop_resume");
  const auto j = cli_json("jobs start --spec " + write_long_spec(dir_, "long") + dbarg() + " --json");
  const std::int64_t run = j.at("runs").at(0);
  ASSERT_GT(running_pid(run, 20), 0);
  const auto stop = cli_json("jobs stop " + std::to_string(run) + dbarg() + " --json");
  EXPECT_EQ(stop.at("action"), "signalled") << stop;

  const auto stopped = wait_for(run);
  ASSERT_EQ(stopped.at("status"), "stopped") << stopped;
  const std::int64_t at = stopped.at("step");
  EXPECT_GT(at, 0);
  EXPECT_LT(at, 5000) << "the run finished before it could be stopped; make the spec longer";
  {
    store::RunDb d(db_);
    const auto ck = d.last_checkpoint(run);
    ASSERT_TRUE(ck.has_value());
    EXPECT_EQ(ck->step, at);
    EXPECT_TRUE(fs::exists(fs::path(ck->path) / "model.safetensors")) << ck->path;
  }
  // Stopping a stopped run says so.
  const auto again = run_cli("jobs stop " + std::to_string(run) + dbarg());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("already stopped"), std::string::npos) << again.output;

  const auto resumed = cli_json("jobs resume " + std::to_string(run) + dbarg() + " --json");
  EXPECT_EQ(resumed.at("status"), "queued") << resumed;
  const auto done = wait_for(run);
  EXPECT_EQ(done.at("status"), "finished") << done;
  EXPECT_EQ(done.at("step"), 5000);
  // One train/loss row per step 1..5000: the resumed process continued, nothing twice.
  store::RunDb d(db_);
  std::set<std::int64_t> steps;
  std::size_t rows = 0;
  for (const store::MetricRow& m : store::run_metrics(d, run))
    if (m.key == "train/loss") steps.insert(m.step), ++rows;
  EXPECT_EQ(rows, 5000u);
  EXPECT_EQ(steps.size(), 5000u);
  EXPECT_EQ(*steps.begin(), 1);
  EXPECT_EQ(*steps.rbegin(), 5000);
}

TEST_F(JobsCli, StoppingAQueuedRunKeepsItFromStarting) {
  make("jobs_stop_queued");
  const auto j = cli_json("jobs start --spec " + write_long_spec(dir_, "two", R"(["pre","lns"])") + dbarg() + " --json");
  const std::int64_t first = j.at("runs").at(0), second = j.at("runs").at(1);
  const auto dequeued = cli_json("jobs stop " + std::to_string(second) + dbarg() + " --json");
  EXPECT_EQ(dequeued.at("action"), "dequeued") << dequeued;
  ASSERT_GT(running_pid(first, 1), 0);
  EXPECT_EQ(cli_json("jobs stop " + std::to_string(first) + dbarg() + " --json").at("action"), "signalled");
  EXPECT_EQ(wait_for(first).at("status"), "stopped");
  const auto w = wait_for(second);
  EXPECT_EQ(w.at("status"), "stopped") << w;
  EXPECT_TRUE(w.at("started_at").is_null()) << w;
  EXPECT_TRUE(w.at("pid").is_null()) << w;
  EXPECT_TRUE(eventually([&] { return !jobs::worker_info(db_).running; }, 30));
  EXPECT_EQ(run_record(db_, second).status, store::RunStatus::stopped);
}

TEST_F(JobsCli, KilledTrainingProcessIsFailedWithProcessLost) {
  make("jobs_kill");
  const auto j = cli_json("jobs start --spec " + write_long_spec(dir_, "long") + dbarg() + " --json");
  const std::int64_t run = j.at("runs").at(0);
  const std::int64_t pid = running_pid(run, 20);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(static_cast<pid_t>(pid), SIGKILL), 0);
  const auto w = wait_for(run, /*expected_exit=*/1);
  EXPECT_EQ(w.at("status"), "failed") << w;
  EXPECT_EQ(w.at("error"), "process lost") << w;
  const auto show = cli_json("runs show " + std::to_string(run) + dbarg() + " --json");
  bool named = false;
  for (const auto& e : show.at("events"))
    named |= e.at("message").get<std::string>().find("killed by signal 9") != std::string::npos;
  EXPECT_TRUE(named) << show.at("events");
  // A failed run resumes from its last checkpoint (or from step 0) and finishes.
  cli_json("jobs resume " + std::to_string(run) + dbarg() + " --json");
  EXPECT_EQ(wait_for(run).at("status"), "finished");
}

TEST_F(JobsCli, FrozenTrainingProcessIsLostAfterTheHeartbeatTimeout) {
  make("jobs_frozen");
  const auto j = cli_json("jobs start --spec " + write_long_spec(dir_, "long") + dbarg() + " --json");
  const std::int64_t run = j.at("runs").at(0);
  const std::int64_t pid = running_pid(run, 20);
  ASSERT_GT(pid, 0);
  // SIGSTOP: the pid stays alive, only the missing heartbeat can tell.
  ASSERT_TRUE(freeze_outside_a_write(pid));
  setenv("DEPTHSCOPE_STALE_AFTER_MS", "4000", 1);
  const auto start = std::chrono::steady_clock::now();
  const auto w = wait_for(run, /*expected_exit=*/1);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  unsetenv("DEPTHSCOPE_STALE_AFTER_MS");
  kill(static_cast<pid_t>(pid), SIGKILL);
  EXPECT_EQ(w.at("status"), "failed") << w;
  EXPECT_EQ(w.at("error"), "process lost") << w;
  EXPECT_LT(waited, 60);
  const auto show = cli_json("runs show " + std::to_string(run) + dbarg() + " --json");
  bool why = false;
  for (const auto& e : show.at("events")) why |= e.at("message").get<std::string>().find("no heartbeat for") != std::string::npos;
  EXPECT_TRUE(why) << show.at("events");
}

TEST_F(JobsCli, ErrorsNameTheRunAndTheDatabase) {
  make("jobs_errors");
  const auto missing = run_cli("jobs wait 7" + dbarg());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("no run database at " + db_), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(db_)) << "a reading command created the database";

  cli_json("jobs start --spec " + write_spec(dir_, "pair") + dbarg() + " --json");
  EXPECT_EQ(wait_for(1).at("status"), "finished");
  const auto stop = run_cli("jobs stop 1" + dbarg());
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_NE(stop.output.find("run 1 is already finished"), std::string::npos) << stop.output;
  const auto resume = run_cli("jobs resume 1" + dbarg());
  EXPECT_EQ(resume.exit_code, 1);
  EXPECT_NE(resume.output.find("run 1 is finished"), std::string::npos) << resume.output;
  const auto unknown = run_cli("jobs wait 99" + dbarg());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("no run 99 in " + db_), std::string::npos) << unknown.output;
  EXPECT_EQ(wait_for(2).at("status"), "finished");
}

}  // namespace
