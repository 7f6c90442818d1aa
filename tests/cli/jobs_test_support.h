#pragma once
// Fixtures for the jobs and runs CLI tests: a few KB of text, a tiny spec (2 layers x 32 wide,
// byte tokens: a 30-step run takes about a second), reading the run database directly, and a
// clean-up that kills whatever training processes and worker a failed test left behind.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "cli/run_cli.h"
#include "core/jobs/process_status.h"
#include "core/jobs/worker_lock.h"
#include "core/store/process_probe.h"
#include "core/store/connection.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "test_support.h"

namespace depthscope::test {

namespace fs = std::filesystem;

// Paragraphs of varied words (a deterministic generator), about 12 KB.
inline void write_text(const fs::path& file) {
  static const char* words[] = {"the", "residual", "stream", "grows", "with", "depth", "and", "layer", "norm",
                                "scaling", "keeps", "variance", "of", "deeper", "layers", "in", "check", "while",
                                "pre", "lets", "it", "until", "last", "act", "nearly", "as", "identity", "curse"};
  std::ofstream out(file);
  std::uint64_t x = 88172645463325252ull;
  auto next = [&x] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
  for (int p = 0; p < 120; ++p) {
    const int n = 8 + static_cast<int>(next() % 23);
    for (int w = 0; w < n; ++w) out << (w ? " " : "") << words[next() % (sizeof words / sizeof *words)];
    out << ".\n\n";
  }
}

struct SpecShape {
  int steps = 30;
  std::string schemes = R"(["pre","lns"])";
  int eval_every = 10, layer_metrics_every = 5, checkpoint_every = 10;
  std::string extra;  // more fields, e.g. R"(,"seeds":[1,2,3])"
};

// dir/text.txt and dir/<name>.json; returns the spec's path.
inline std::string write_spec(const fs::path& dir, const std::string& name, const SpecShape& s = {}) {
  if (!fs::exists(dir / "text.txt")) write_text(dir / "text.txt");
  const fs::path spec = dir / (name + ".json");
  std::ofstream(spec) << R"({"name":")" << name
                      << R"(","model":{"layers":2,"hidden":32,"heads":2,"ffn":64},"schemes":)" << s.schemes
                      << R"(,"corpus":{"text":["text.txt"],"tokenizer":"bytes"},"steps":)" << s.steps
                      << R"(,"batch":2,"seq":16,"eval_every":)" << s.eval_every
                      << R"(,"eval_tokens":256,"layer_metrics_every":)" << s.layer_metrics_every
                      << R"(,"checkpoint_every":)" << s.checkpoint_every << s.extra << "}";
  return spec.string();
}

// A long single-run spec, to have time to stop or kill it mid-way (several seconds).
inline std::string write_long_spec(const fs::path& dir, const std::string& name, const std::string& schemes = R"(["pre"])") {
  SpecShape s;
  s.steps = 5000;
  s.schemes = schemes;
  s.eval_every = 1000;
  s.layer_metrics_every = 1000;
  s.checkpoint_every = 1000;
  return write_spec(dir, name, s);
}

// Runs the CLI and parses its stdout as JSON; fails the test (with the output) otherwise.
inline nlohmann::json cli_json(const std::string& args, int expected_exit = 0) {
  const CliResult r = run_cli(args, /*stdout_only=*/true);
  EXPECT_EQ(r.exit_code, expected_exit) << args << "\n" << r.output;
  try {
    return nlohmann::json::parse(r.output);
  } catch (const std::exception& e) {
    ADD_FAILURE() << args << ": not JSON (" << e.what() << "):\n" << r.output;
    return {};
  }
}

inline store::RunRecord run_record(const std::string& db, std::int64_t run) {
  store::StoreOptions o;
  o.reap_on_open = false;
  store::RunDb d(db, o);
  return d.get_run(run).value();
}

// Polls `done` every 50 ms for up to `seconds`.
inline bool eventually(const std::function<bool()>& done, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// Kills (SIGKILL) the worker and the training processes of `db` that are still alive: a test
// that failed half-way must not leave processes training on the machine.
inline void kill_leftovers(const std::string& db) {
  if (!fs::exists(db)) return;
  const jobs::WorkerInfo w = jobs::worker_info(db);
  if (w.running && w.pid > 0 && jobs::is_depthscope_process(w.pid)) kill(static_cast<pid_t>(w.pid), SIGKILL);
  try {
    store::StoreOptions o;
    o.reap_on_open = false;
    store::RunDb d(db, o);
    for (const store::RunRecord& r : d.list_runs())
      if (r.pid && r.host == store::this_host() && store::process_alive(*r.pid) && jobs::is_depthscope_process(*r.pid))
        kill(static_cast<pid_t>(*r.pid), SIGKILL);
  } catch (const std::exception&) {
  }
}

// A scratch folder whose leftover processes are killed at the end of the test.
class JobsScratch : public ::testing::Test {
 protected:
  void make(const std::string& name) {
    dir_ = scratch_dir(name);
    db_ = (dir_ / "runs.db").string();
  }
  void TearDown() override {
    if (!db_.empty()) kill_leftovers(db_);
  }
  std::string dbarg() const { return " --db " + db_; }
  // SIGSTOPs `pid` outside a write transaction (frozen inside one, it would hold the database's
  // write lock and nobody could mark the run): freezes it again until the lock is free.
  // False when that did not happen in 50 tries.
  bool freeze_outside_a_write(std::int64_t pid) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (kill(static_cast<pid_t>(pid), SIGSTOP) != 0) return false;
      store::StoreOptions o;
      o.reap_on_open = false;
      o.busy_timeout_ms = 100;
      store::RunDb d(db_, o);
      try {
        d.connection().write("probe the write lock", [] {});
        return true;
      } catch (const store::DatabaseError&) {
        kill(static_cast<pid_t>(pid), SIGCONT);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return false;
  }
  // Waits for the run to be running, in a process other than `not_pid`, with at least `step`
  // training steps logged; returns its pid.
  std::int64_t running_pid(std::int64_t run, std::int64_t step, std::int64_t not_pid = 0) {
    std::int64_t pid = 0;
    const bool ok = eventually(
        [&] {
          store::StoreOptions o;
          o.reap_on_open = false;
          store::RunDb d(db_, o);
          const store::RunRecord r = d.get_run(run).value();
          if (r.status != store::RunStatus::running || !r.pid || *r.pid == not_pid) return false;
          for (const store::MetricRow& m : store::last_values(d, run))
            if (m.key == "train/loss" && m.step >= step) return pid = *r.pid, true;
          return false;
        },
        120);
    EXPECT_TRUE(ok) << "run " << run << " did not reach step " << step << ": " << run_cli("runs show " + std::to_string(run) + dbarg()).output;
    return pid;
  }
  fs::path dir_;
  std::string db_;
};

}  // namespace depthscope::test
