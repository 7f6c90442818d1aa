// `depthscope-cli train` as a process: killed with SIGKILL at random points and resumed,
// stopped with SIGTERM, diverging, and hitting a file-size limit (issue 9's guarantees).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "cli/run_cli.h"
#include "cli/train_losses.h"
#include "cli/tiny_corpus.h"
#include "core/store/connection.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace depthscope;
using depthscope::test::run_cli;
using depthscope::test::run_cli_shell;

// ~20 KB of varied text and a spec of a 2-layer model that trains in a few seconds.
fs::path write_spec(const fs::path& dir, const std::string& extra, std::int64_t steps, std::int64_t every = 5) {
  test::write_tiny_corpus(dir / "t.txt");
  const fs::path spec = dir / "spec.json";
  std::ofstream(spec) << R"({"name": "t", "model": {"layers": 2, "hidden": 32, "heads": 2, "ffn": 64},
    "schemes": ["pre"], "corpus": {"text": ["t.txt"], "tokenizer": "bytes"}, "steps": )"
                      << steps << R"(, "batch": 2, "seq": 16, "eval_every": )" << 2 * every
                      << R"(, "eval_tokens": 256, "layer_metrics_every": )" << every << R"(, "checkpoint_every": )" << every
                      << extra << "}";
  return spec;
}

pid_t spawn(const std::vector<std::string>& args) { return test::spawn_cli(args); }

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string integrity(const std::string& db_path) {
  store::RunDb db(db_path);
  auto s = db.connection().prepare("PRAGMA integrity_check");
  return s.step() ? s.text(0) : "no answer";
}

TEST(TrainCli, KilledAtRandomPointsAndResumedEqualsAnUninterruptedRun) {
  const fs::path dir = test::scratch_dir("train_kill9");
  const fs::path spec = write_spec(dir, "", 4000, 50);  // several seconds of training
  // The uninterrupted run.
  const std::string ref_db = (dir / "ref.sqlite").string();
  const auto ref = run_cli("--threads 1 train --spec " + spec.string() + " --db " + ref_db);
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const auto expected = depthscope::test::train_losses(ref_db, 1);
  ASSERT_EQ(expected.size(), 4000u);

  // The same experiment, killed 20 times.
  const std::string db = (dir / "killed.sqlite").string();
  // Attempt 0 creates the experiment (`train --spec`); later ones resume from the last listed
  // checkpoint, or restart the run (`--run`) when it was killed before its first one.
  std::mt19937 rng(7);
  int kills = 0, resumes = 0;
  bool finished = false;
  for (int attempt = 0; attempt < 40 && !finished; ++attempt) {
    std::vector<std::string> args = {DEPTHSCOPE_CLI, "--threads", "1", "train", "--db", db};
    bool has_run = fs::exists(db);
    std::optional<store::CheckpointRecord> last;
    if (has_run) {
      store::RunDb d(db);
      if (d.get_run(1)) last = d.last_checkpoint(1);
      else has_run = false;
    }
    if (!has_run) args.insert(args.end(), {"--spec", spec.string()});
    else if (last) args.insert(args.end(), {"--resume", "1"}), ++resumes;
    else args.insert(args.end(), {"--run", "1"});
    const pid_t pid = spawn(args);
    if (kills < 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1500));  // past the first checkpoint at times, even on a loaded machine
      if (kill(pid, SIGKILL) == 0) ++kills;
      wait_exit(pid);
    } else {
      EXPECT_EQ(wait_exit(pid), 0);
    }
    ASSERT_EQ(integrity(db), "ok") << "after attempt " << attempt;
    store::RunDb d(db);
    if (!d.get_run(1)) continue;
    // A reader following the rows in insertion order (as a live view does) sees each step
    // once, in increasing order, per key.
    std::map<std::string, std::int64_t> last_step;
    for (const store::MetricRow& r : store::metrics_since(d, 1, 0).rows) {
      auto it = last_step.find(r.key);
      if (it != last_step.end()) ASSERT_LT(it->second, r.step) << r.key << " after attempt " << attempt;
      last_step[r.key] = r.step;
    }
    // The last listed checkpoint is complete.
    if (auto ck = d.last_checkpoint(1)) {
      for (const char* f : {"config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json"})
        ASSERT_TRUE(fs::exists(fs::path(ck->path) / f)) << ck->path << " lacks " << f;
    }
    finished = d.get_run(1)->status == store::RunStatus::finished;
  }
  // 20 kills, or fewer when a fast machine finished the run first (14 on a quiet 2-vCPU VM).
  EXPECT_GE(kills, 8);
  EXPECT_GT(resumes, 0);
  ASSERT_TRUE(finished);
  const auto got = depthscope::test::train_losses(db, 1);
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [step, loss] : expected) EXPECT_EQ(got.at(step), loss) << "step " << step;
  std::cout << "[ kill -9 ] " << kills << " kills, " << resumes << " resumes, integrity ok, 0 rows lost\n";
}

TEST(TrainCli, SigtermStopsWithACheckpointAndResumeFinishes) {
  const fs::path dir = test::scratch_dir("train_sigterm");
  const fs::path spec = write_spec(dir, "", 100000);
  const std::string db = (dir / "runs.sqlite").string();
  const pid_t pid = spawn({DEPTHSCOPE_CLI, "--threads", "1", "train", "--spec", spec.string(), "--db", db});
  // Wait until it has taken a few steps.
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!fs::exists(db)) continue;
    store::RunDb d(db);
    if (d.get_run(1) && !store::run_metrics(d, 1).empty()) break;
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(pid), 0);
  store::RunDb d(db);
  const auto run = d.get_run(1);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, store::RunStatus::stopped);
  const auto ck = d.last_checkpoint(1);
  ASSERT_TRUE(ck);
  EXPECT_EQ(ck->step, run->step);
  EXPECT_TRUE(fs::exists(fs::path(ck->path) / "model.safetensors"));
}

TEST(TrainCli, AHugeLearningRateDivergesWithTheStepNamed) {
  const fs::path dir = test::scratch_dir("train_diverge");
  const fs::path spec = write_spec(dir, R"(, "lr": 5.0, "warmup": 0, "divergence_margin": 1.0, "divergence_patience": 5)", 200);
  const std::string db = (dir / "runs.sqlite").string();
  const auto r = run_cli("--threads 1 train --spec " + spec.string() + " --db " + db);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  store::RunDb d(db);
  const auto run = d.get_run(1);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, store::RunStatus::diverged);
  EXPECT_NE(run->error.find("at step "), std::string::npos) << run->error;
  EXPECT_NE(r.output.find("diverged at step"), std::string::npos) << r.output;
  // The last good checkpoint is kept and listed.
  const auto ck = d.last_checkpoint(1);
  ASSERT_TRUE(ck);
  EXPECT_TRUE(fs::exists(fs::path(ck->path) / "model.safetensors"));
}

TEST(TrainCli, AFileSizeLimitFailsTheRunNamingThePath) {
  const fs::path dir = test::scratch_dir("train_fsize");
  const fs::path spec = write_spec(dir, "", 40);
  const std::string db = (dir / "runs.sqlite").string();
  // 120 KiB: the database fits, the first checkpoint (150 KB of weights) does not.
  // (bash: ulimit -f counts KiB.)
  const auto r = run_cli_shell("bash -c 'ulimit -f 120; \"" + std::string(DEPTHSCOPE_CLI) +
                               "\" --threads 1 train --spec " + spec.string() + " --db " + db + "'");
  EXPECT_NE(r.exit_code, 0) << r.output;
  store::RunDb d(db);
  const auto run = d.get_run(1);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, store::RunStatus::failed);
  EXPECT_NE(run->error.find("model.safetensors"), std::string::npos) << run->error;
  EXPECT_NE(run->error.find("File too large"), std::string::npos) << run->error;
  EXPECT_FALSE(d.last_checkpoint(1)) << "a failed checkpoint was listed";
  EXPECT_EQ(depthscope::test::train_losses(db, 1).size(), 5u) << "the steps before the failed checkpoint stay committed";
  EXPECT_EQ(integrity(db), "ok");
}

}  // namespace
