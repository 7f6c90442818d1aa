// Two training processes write one run database while this test reads it live, for 30 s
// (then SIGTERM stops both; issue 9): writers never lose a row, the reader's view only grows, and every step of
// both runs is there exactly once at the end.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "cli/run_cli.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/train/experiment.h"
#include "core/train/train_spec.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace depthscope;

pid_t spawn_train(std::int64_t run, const std::string& db, const std::string& out) {
  const pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    const std::string r = std::to_string(run);
    execl(DEPTHSCOPE_CLI, DEPTHSCOPE_CLI, "--threads", "1", "train", "--run", r.c_str(), "--db", db.c_str(), "--out",
          out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST(ConcurrencyCli, TwoWritersAndALiveReaderLoseNothing) {
  const fs::path dir = test::scratch_dir("concurrency");
  {
    std::ofstream text(dir / "t.txt");
    for (int i = 0; i < 2000; ++i) text << "line " << i << " of the text, " << (i * 7919) % 1000 << " words.\n";
  }
  constexpr std::int64_t kSteps = 1000000;  // more than 30 s: both writers are stopped at 30 s
  const TrainSpec spec = parse_train_spec_text(
      R"({"name": "c", "model": {"layers": 2, "hidden": 32, "heads": 2, "ffn": 64}, "schemes": ["pre", "lns"],
          "corpus": {"text": [")" + (dir / "t.txt").string() + R"("], "tokenizer": "bytes"},
          "steps": )" + std::to_string(kSteps) + R"(, "batch": 2, "seq": 16, "eval_every": 500, "eval_tokens": 256,
          "layer_metrics_every": 100, "checkpoint_every": 1000})");
  const std::string db_path = (dir / "runs.sqlite").string();
  const CreatedExperiment e = create_experiment(spec, db_path);
  ASSERT_EQ(e.runs.size(), 2u);
  const auto start = std::chrono::steady_clock::now();
  const pid_t a = spawn_train(e.runs[0], db_path, (dir / "out").string());
  const pid_t b = spawn_train(e.runs[1], db_path, (dir / "out").string());

  // The reader: rows newer than its cursor, as a live chart asks for them.
  store::RunDb reader(db_path);
  std::int64_t cursor = 0, seen = 0, polls = 0;
  std::set<std::tuple<std::int64_t, std::string, std::int64_t>> keys;  // (run, key, step) seen
  int done = 0;
  int status_a = -1, status_b = -1;
  bool stopped = false;
  while (done < 2) {
    if (!stopped && std::chrono::steady_clock::now() - start > std::chrono::seconds(30)) {
      kill(a, SIGTERM);  // finish the step, checkpoint, mark stopped, exit 0
      kill(b, SIGTERM);
      stopped = true;
    }
    const auto got = store::metrics_since(reader, std::nullopt, cursor);
    for (const store::MetricRow& r : got.rows) {
      ASSERT_GT(r.id, cursor) << "a row older than the cursor came back";
      ASSERT_TRUE(keys.insert({r.run_id, r.key, r.step}).second) << "two values for run " << r.run_id << " " << r.key
                                                                 << " step " << r.step;
      cursor = r.id;
      ++seen;
    }
    ++polls;
    if (!got.more) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (auto [pid, st] : {std::pair<pid_t, int*>{a, &status_a}, {b, &status_b}})
      if (*st == -1) {
        int s = 0;
        if (waitpid(pid, &s, WNOHANG) == pid) {
          *st = WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
          ++done;
        }
      }
  }
  // What was committed after the last poll.
  for (auto got = store::metrics_since(reader, std::nullopt, cursor); !got.rows.empty();
       got = store::metrics_since(reader, std::nullopt, cursor)) {
    for (const store::MetricRow& r : got.rows) {
      ASSERT_TRUE(keys.insert({r.run_id, r.key, r.step}).second);
      cursor = r.id;
      ++seen;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(status_a, 0);
  EXPECT_EQ(status_b, 0);
  store::RunDb db(db_path);
  std::int64_t stored = 0;
  for (std::int64_t run : e.runs) {
    const auto record = db.get_run(run);
    EXPECT_EQ(record->status, store::RunStatus::stopped);
    std::map<std::string, std::int64_t> per_key;
    std::int64_t last_step = 0;
    for (const store::MetricRow& r : store::run_metrics(db, run)) {
      ++per_key[r.key];
      if (r.key == "train/loss") last_step = std::max(last_step, r.step);
    }
    EXPECT_GT(last_step, 1000) << "run " << run;
    EXPECT_EQ(per_key["train/loss"], last_step) << "run " << run << ": every step 1.." << last_step << " once";
    EXPECT_EQ(per_key["val/loss"], last_step / 500) << "run " << run;
    EXPECT_EQ(record->step, last_step) << "run " << run;
    for (const auto& [k, n] : per_key) stored += n;
  }
  EXPECT_EQ(seen, stored) << "the reader saw every committed row exactly once";
  std::cout << "[ concurrency ] 2 writers, 1 reader, " << seconds << " s, " << polls << " polls, " << seen
            << " metric rows read = " << stored << " stored, 0 lost\n";
}

}  // namespace
