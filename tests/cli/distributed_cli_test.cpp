// Data-parallel training with real processes on 127.0.0.1 over Gloo (issue 13): two ranks
// with half the batch each give the losses of one rank with all of it; rank 0 alone writes;
// a killed rank makes the other leave within the timeout and the run is marked failed naming
// it; one rank resumes the two-rank run and the curve continues.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "cli/run_cli.h"
#include "cli/tiny_corpus.h"
#include "core/store/connection.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/train/distributed_env.h"
#include "core/train/distributed_launch.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace depthscope;
using depthscope::test::run_cli;
using Clock = std::chrono::steady_clock;

// A 2-layer model on ~20 KB of text: a step takes milliseconds.
fs::path write_spec(const fs::path& dir, std::int64_t steps, std::int64_t batch) {
  test::write_tiny_corpus(dir / "t.txt");
  const fs::path spec = dir / "spec.json";
  std::ofstream(spec) << R"({"name": "dp", "model": {"layers": 2, "hidden": 32, "heads": 2, "ffn": 64},
    "schemes": ["pre"], "corpus": {"text": ["t.txt"], "tokenizer": "bytes"}, "steps": )"
                      << steps << R"(, "batch": )" << batch
                      << R"(, "seq": 16, "eval_every": 10, "eval_tokens": 256, "layer_metrics_every": 5, "checkpoint_every": 10})";
  return spec;
}

std::map<std::int64_t, double> metric(const std::string& db_path, std::int64_t run, const std::string& key) {
  store::StoreOptions o;
  o.reap_on_open = false;
  store::RunDb db(db_path, o);
  std::map<std::int64_t, double> m;
  for (const store::MetricRow& r : store::run_metrics(db, run))
    if (r.key == key) m[r.step] = r.value;
  return m;
}

store::RunRecord record(const std::string& db_path, std::int64_t run) {
  store::StoreOptions o;
  o.reap_on_open = false;
  return store::RunDb(db_path, o).get_run(run).value();
}

std::vector<std::string> events(const std::string& db_path, std::int64_t run) {
  store::StoreOptions o;
  o.reap_on_open = false;
  store::RunDb db(db_path, o);
  auto s = db.connection().prepare("SELECT message FROM events WHERE run_id = ?1 ORDER BY id");
  s.bind_int(1, run);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-12); }

// One rank of a torchrun-style job: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set.
pid_t spawn_rank(int rank, int world, int port, const std::vector<std::string>& args) {
  return test::spawn_cli(args, {{"RANK", std::to_string(rank)},
                                {"LOCAL_RANK", std::to_string(rank)},
                                {"WORLD_SIZE", std::to_string(world)},
                                {"MASTER_ADDR", "127.0.0.1"},
                                {"MASTER_PORT", std::to_string(port)}});
}

bool has_gloo() { return dist_has_gloo(); }

// Waits (up to `seconds`) until run 1 of `db` exists and has listed a checkpoint.
bool wait_for_first_checkpoint(const std::string& db, int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      store::StoreOptions o;
      o.reap_on_open = false;
      store::RunDb d(db, o);
      if (d.get_run(1) && d.last_checkpoint(1).has_value()) return true;
    } catch (const std::exception&) {  // not created yet, or busy
    }
  }
  return false;
}

TEST(DistributedCli, TwoRanksWithHalfTheBatchGiveTheLossesOfOneRankWithAllOfItAndRankZeroAloneWrites) {
  if (!has_gloo()) GTEST_SKIP() << "this build has no Gloo (install libgloo-dev)";
  const fs::path dir = test::scratch_dir("dist_equal");
  const fs::path spec = write_spec(dir, 20, 4);  // global micro-batch 4: 2 sequences per rank
  const std::string one = (dir / "one.sqlite").string(), two = (dir / "two.sqlite").string();
  const auto r1 = run_cli("--threads 1 train --spec " + spec.string() + " --db " + one);
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const auto r2 = run_cli("--threads 1 train --spec " + spec.string() + " --db " + two + " --nproc 2 --json");
  ASSERT_EQ(r2.exit_code, 0) << r2.output;

  const auto a = metric(one, 1, "train/loss"), b = metric(two, 1, "train/loss");
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), 20u);
  for (const auto& [step, loss] : a) EXPECT_LT(rel(b.at(step), loss), 1e-5) << "step " << step << ": " << b.at(step) << " vs " << loss;
  EXPECT_GT(a.at(1) - a.at(20), 0.1) << "the model must learn for the comparison to mean anything";
  const auto va = metric(one, 1, "val/loss"), vb = metric(two, 1, "val/loss");  // sharded over the ranks
  ASSERT_EQ(va.size(), 2u);
  for (const auto& [step, loss] : va) EXPECT_LT(rel(vb.at(step), loss), 1e-5) << "val at step " << step;
  const auto ga = metric(one, 1, "train/grad_norm"), gb = metric(two, 1, "train/grad_norm");
  for (const auto& [step, g] : ga) EXPECT_LT(rel(gb.at(step), g), 1e-4) << "grad norm at step " << step;

  // Rank 0 alone wrote: the run carries its pid, each event and each step line once.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r2.output, m, std::regex("pids ([0-9]+) ([0-9]+)"))) << r2.output;
  EXPECT_EQ(record(two, 1).pid.value_or(-1), std::stoll(m[1]));
  EXPECT_EQ(record(two, 1).status, store::RunStatus::finished);
  int finished = 0, dp = 0;
  for (const std::string& e : events(two, 1)) {
    finished += e.rfind("finished at step 20", 0) == 0;
    dp += e.rfind("data-parallel: 2 ranks (gloo", 0) == 0;
  }
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(dp, 1);
  int step_lines = 0;
  std::istringstream lines(r2.output);
  for (std::string l; std::getline(lines, l);) step_lines += l.find("\"step\":") != std::string::npos && l.find("\"loss\":") != std::string::npos;
  EXPECT_EQ(step_lines, 20) << r2.output;
  std::vector<std::string> ckpts;
  for (const auto& e : fs::directory_iterator(dir / "two-runs" / "run-1")) ckpts.push_back(e.path().filename().string());
  std::sort(ckpts.begin(), ckpts.end());
  EXPECT_EQ(ckpts, (std::vector<std::string>{"step-10", "step-20"}));
}

TEST(DistributedCli, AKilledRankFailsTheRunNamingItAndOneRankResumesTheCurve) {
  if (!has_gloo()) GTEST_SKIP() << "this build has no Gloo (install libgloo-dev)";
  const fs::path dir = test::scratch_dir("dist_kill");
  const fs::path spec = write_spec(dir, 400, 4);
  const std::string ref = (dir / "ref.sqlite").string(), db = (dir / "dp.sqlite").string();
  const auto r = run_cli("--threads 1 train --spec " + spec.string() + " --db " + ref);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto expected = metric(ref, 1, "train/loss");
  ASSERT_EQ(expected.size(), 400u);

  // Two ranks the torchrun way (the test is the launcher); rank 1 is killed once a
  // checkpoint is listed.
  const int port = free_local_port("127.0.0.1");
  const std::vector<std::string> args = {DEPTHSCOPE_CLI, "--threads", "1", "train", "--spec", spec.string(), "--db", db,
                                         "--dist-timeout", "5"};
  const pid_t r0 = spawn_rank(0, 2, port, args), r1 = spawn_rank(1, 2, port, args);
  const bool listed = wait_for_first_checkpoint(db, 60);
  kill(r1, SIGKILL);  // not reaped until rank 0 is done: a zombie, as a dead rank looks
  const auto killed_at = Clock::now();
  int status = 0;
  waitpid(r0, &status, 0);
  const double took = std::chrono::duration<double>(Clock::now() - killed_at).count();
  waitpid(r1, nullptr, 0);
  ASSERT_TRUE(listed) << "no checkpoint within 60 s";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  EXPECT_LT(took, 5.0 + 5.0) << "rank 0 must leave within the 5 s timeout (and 5 s of naming the rank)";
  const store::RunRecord failed = record(db, 1);
  EXPECT_EQ(failed.status, store::RunStatus::failed);
  EXPECT_NE(failed.error.find("rank 1 (pid " + std::to_string(r1) + ") has exited"), std::string::npos) << failed.error;
  const std::int64_t resumed_at = [&] {
    store::StoreOptions o;
    o.reap_on_open = false;
    store::RunDb d(db, o);
    return d.last_checkpoint(1)->step;
  }();
  ASSERT_LT(resumed_at, 400);

  // One rank resumes: same global batch, so the same samples and the same curve.
  const auto res = run_cli("--threads 1 train --resume 1 --db " + db);
  ASSERT_EQ(res.exit_code, 0) << res.output;
  const auto got = metric(db, 1, "train/loss");
  ASSERT_EQ(got.size(), 400u);
  for (const auto& [step, loss] : expected)
    EXPECT_LT(rel(got.at(step), loss), 1e-5) << "step " << step << " (resumed at " << resumed_at << ")";
  EXPECT_EQ(record(db, 1).status, store::RunStatus::finished);
}

TEST(DistributedCli, AHungRankMakesTheOtherLeaveAfterTheTimeoutNamingIt) {
  if (!has_gloo()) GTEST_SKIP() << "this build has no Gloo (install libgloo-dev)";
  const fs::path dir = test::scratch_dir("dist_hang");
  const fs::path spec = write_spec(dir, 400, 4);
  const std::string db = (dir / "dp.sqlite").string();
  const int port = free_local_port("127.0.0.1");
  const std::vector<std::string> args = {DEPTHSCOPE_CLI, "--threads", "1", "train", "--spec", spec.string(), "--db", db,
                                         "--dist-timeout", "3"};  // short, yet above a busy CI's stalls
  const pid_t r0 = spawn_rank(0, 2, port, args), r1 = spawn_rank(1, 2, port, args);
  const bool listed = wait_for_first_checkpoint(db, 60);
  kill(r1, SIGSTOP);  // alive but silent: only the timeout and the liveness counter tell
  const auto stopped_at = Clock::now();
  int status = 0;
  waitpid(r0, &status, 0);
  const double took = std::chrono::duration<double>(Clock::now() - stopped_at).count();
  kill(r1, SIGKILL);
  waitpid(r1, nullptr, 0);
  ASSERT_TRUE(listed) << "no checkpoint within 60 s";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  EXPECT_GT(took, 2.5) << "a hang is only known after the timeout";
  EXPECT_LT(took, 3.0 + 3.0 + 4.0) << "timeout, 3 s watching the liveness counter, margin";
  const store::RunRecord failed = record(db, 1);
  EXPECT_EQ(failed.status, store::RunStatus::failed);
  EXPECT_NE(failed.error.find("rank 1 (pid " + std::to_string(r1)), std::string::npos) << failed.error;
  EXPECT_NE(failed.error.find("stopped responding"), std::string::npos) << failed.error;
}

// Only rank 0 opens the run database: rank 1 is given a database path that cannot exist,
// receives the run's plan (spec, checkpoint) from rank 0 through the group's store, resumes
// from the checkpoint rank 0 names, and never creates anything at its path.
TEST(DistributedCli, OnlyRankZeroOpensTheDatabaseTheOthersGetThePlanFromIt) {
  if (!has_gloo()) GTEST_SKIP() << "this build has no Gloo (install libgloo-dev)";
  const fs::path dir = test::scratch_dir("dist_rank0_db");
  const fs::path spec = write_spec(dir, 30, 4);
  const std::string a = (dir / "a.sqlite").string();
  const auto r = run_cli("--threads 1 train --spec " + spec.string() + " --db " + a);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    store::StoreOptions o;
    o.reap_on_open = false;
    store::RunDb d(a, o);
    d.connection().prepare("DELETE FROM checkpoints WHERE run_id = 1 AND step > 20").run();
    d.connection().prepare("UPDATE runs SET status = 'stopped' WHERE id = 1").run();
  }
  const fs::path nowhere = dir / "no-such-folder" / "b.sqlite";
  const int port = free_local_port("127.0.0.1");
  const auto args = [&](const std::string& db) {
    return std::vector<std::string>{DEPTHSCOPE_CLI, "--threads", "1", "train", "--resume", "1", "--db", db,
                                    "--out", (dir / "a-runs").string(), "--dist-timeout", "30"};
  };
  const pid_t r0 = spawn_rank(0, 2, port, args(a)), r1 = spawn_rank(1, 2, port, args(nowhere.string()));
  int s0 = 0, s1 = 0;
  waitpid(r0, &s0, 0);
  waitpid(r1, &s1, 0);
  EXPECT_TRUE(WIFEXITED(s0) && WEXITSTATUS(s0) == 0);
  EXPECT_TRUE(WIFEXITED(s1) && WEXITSTATUS(s1) == 0);
  EXPECT_EQ(record(a, 1).status, store::RunStatus::finished);
  EXPECT_FALSE(fs::exists(nowhere.parent_path()));
  bool resumed = false;
  for (const std::string& e : events(a, 1)) resumed |= e.find("resumed at step 20") != std::string::npos;
  EXPECT_TRUE(resumed);
}

TEST(DistributedCli, TorchrunStartsTheRanks) {
  if (!has_gloo()) GTEST_SKIP() << "this build has no Gloo (install libgloo-dev)";
  if (test::run_shell("/usr/bin/python3 -c 'import torch.distributed.run' 2>&1").exit_code != 0)
    GTEST_SKIP() << "no torchrun (Debian package python3-torch)";
  const fs::path dir = test::scratch_dir("dist_torchrun");
  const fs::path spec = write_spec(dir, 20, 4);
  const std::string db = (dir / "t.sqlite").string(), ref = (dir / "ref.sqlite").string();
  const fs::path torchrun = fs::path(__FILE__).parent_path().parent_path().parent_path() / "tools" / "torchrun_py311.py";
  const auto r = test::run_shell("/usr/bin/python3 " + torchrun.string() +
                                 " --standalone --nnodes 1 --nproc_per_node 2 --no_python \"" + DEPTHSCOPE_CLI +
                                 "\" --threads 1 train --spec " + spec.string() + " --db " + db + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(record(db, 1).status, store::RunStatus::finished);
  int dp = 0;
  for (const std::string& e : events(db, 1)) dp += e.rfind("data-parallel: 2 ranks (gloo, rendezvous ", 0) == 0;
  EXPECT_EQ(dp, 1) << "torchrun's RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT made one 2-rank group";
  const auto one = run_cli("--threads 1 train --spec " + spec.string() + " --db " + ref);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto a = metric(ref, 1, "train/loss"), b = metric(db, 1, "train/loss");
  ASSERT_EQ(b.size(), 20u);
  EXPECT_LT(rel(b.at(20), a.at(20)), 1e-5);
}

TEST(DistributedCli, BadLaunchesAreRefusedWithAClearMessage) {
  const fs::path dir = test::scratch_dir("dist_bad");
  const fs::path spec = write_spec(dir, 4, 3);
  // Batch 3 does not split over 2 ranks.
  const auto odd = run_cli("--threads 1 train --spec " + spec.string() + " --db " + (dir / "a.sqlite").string() + " --nproc 2");
  EXPECT_NE(odd.exit_code, 0);
  if (has_gloo()) EXPECT_NE(odd.output.find("does not split evenly over 2 ranks"), std::string::npos) << odd.output;
  else EXPECT_NE(odd.output.find("this build has no Gloo (install libgloo-dev)"), std::string::npos) << odd.output;
  // NCCL is not in a CPU build of LibTorch.
  const auto nccl = run_cli("--threads 1 train --spec " + spec.string() + " --db " + (dir / "b.sqlite").string() +
                            " --nproc 2 --dist-backend nccl");
  EXPECT_NE(nccl.exit_code, 0);
  if (!dist_has_nccl()) EXPECT_NE(nccl.output.find("this build has no NCCL"), std::string::npos) << nccl.output;
  // --nproc inside a launcher's job.
  const auto nested = test::run_shell("WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 \"" + std::string(DEPTHSCOPE_CLI) +
                                      "\" --threads 1 train --spec " + spec.string() + " --db " + (dir / "c.sqlite").string() +
                                      " --nproc 2 2>&1");
  EXPECT_NE(nested.exit_code, 0);
  EXPECT_NE(nested.output.find("leave --nproc out under torchrun or srun"), std::string::npos) << nested.output;
}

}  // namespace
