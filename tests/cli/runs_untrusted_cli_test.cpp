// `runs list/show/export/compare` on a run database from someone else (issue 20, items 5 and
// 11): they work in a read-only folder and on a read-only file, writing nothing; a file with a
// trigger or a 100 MB spec_json is refused with a clear error and left unchanged; `runs show`
// prints the paths a resume would read and write.
//
// Root ignores file permissions, and ctest runs as root here, so the read-only cases run the
// CLI as the unprivileged user nobody (setpriv) when the test is root: SQLite then really
// cannot write the file or create <file>-shm beside it. As another user they chmod instead.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "cli/jobs_test_support.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "tests/core/store/store_test_util.h"

namespace {

using namespace depthscope;
using namespace depthscope::test;

constexpr const char* kSpec =
    R"({"name":"shared","model":{"preset":"tiny"},"corpus":{"dir":"/srv/class/corpus"},"steps":40})";

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

class RunsUntrusted : public JobsScratch {
 protected:
  // A DepthScope database as a teacher would hand it out: two runs, metrics, a checkpoint
  // row (no training, no files besides the database).
  void made(const std::string& name) {
    make(name);
    {
      store::RunDb db(db_);
      store::NewRun pre{std::nullopt, "shared/pre", "pre", store::RunKind::train, kSpec, 40};
      store::NewRun lns = pre;
      lns.name = "shared/lns";
      lns.scheme = "lns";
      db.create_experiment_with_runs("shared", kSpec, {pre, lns});
      db.add_checkpoint(1, 20, "/srv/class/runs/run-1/step-20");
    }
    store::MetricWriter w(db_);
    w.log(1, "train/loss", 1, 3.5);
    w.log(1, "val/ppl", 20, 12.25);
    w.log(2, "val/ppl", 20, 11.5);
    w.flush();
  }

  // Runs the CLI as a user who cannot write `dir_` (nobody, when this test is root) and
  // returns its output (stdout only when `stdout_only`).
  CliResult as_reader(const std::string& args, bool stdout_only = false) {
    const std::string cli = std::string("\"") + DEPTHSCOPE_CLI + "\" " + args;
    const std::string tail = stdout_only ? " 2>/dev/null" : " 2>&1";
    if (geteuid() != 0) return run_shell(cli + tail);
    return run_shell("setpriv --reuid=65534 --regid=65534 --clear-groups " + cli + tail);
  }

  // Makes `dir` (and, unless `file_writable_folder`, its files) unwritable for as_reader.
  // Returns why that cannot be arranged here ("" when it is): the test is then skipped.
  std::string lock_down(const fs::path& dir, bool folder_writable = false) {
    if (geteuid() == 0 && run_shell("command -v setpriv >/dev/null").exit_code != 0)
      return "setpriv (util-linux) is needed to run the CLI as nobody";
    for (fs::path p = fs::absolute(dir); p != p.root_path(); p = p.parent_path())
      if (geteuid() == 0 && (fs::status(p).permissions() & fs::perms::others_exec) == fs::perms::none)
        return p.string() + " is not searchable by nobody (e.g. a checkout under /root, mode 700)";
    for (const auto& e : fs::directory_iterator(dir)) chmod(e.path().c_str(), 0444);
    chmod(dir.c_str(), folder_writable ? 0777 : (geteuid() == 0 ? 0755 : 0555));
    if (access(DEPTHSCOPE_CLI, X_OK) != 0) ADD_FAILURE() << DEPTHSCOPE_CLI << " is not executable";
    return "";
  }
  void TearDown() override {
    if (!dir_.empty()) chmod(dir_.c_str(), 0755);
    JobsScratch::TearDown();
  }
};

TEST_F(RunsUntrusted, ReadCommandsWorkInAReadOnlyFolderAndWriteNothing) {
  made("runs_untrusted_ro_folder");
  ASSERT_FALSE(fs::exists(db_ + "-wal"));  // closed cleanly: no -wal, no -shm
  if (const std::string why = lock_down(dir_); !why.empty()) GTEST_SKIP() << why;
  const std::string before = bytes_of(db_);
  const std::set<std::string> listing = entries(dir_);

  const CliResult list = as_reader("runs list --json" + dbarg(), true);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  const nlohmann::json runs = nlohmann::json::parse(list.output);
  ASSERT_EQ(runs.at("runs").size(), 2u) << runs;
  EXPECT_EQ(runs["runs"][1].at("name"), "shared/lns");

  const CliResult text = as_reader("runs list" + dbarg());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("opened read-only"), std::string::npos) << text.output;

  const CliResult show = as_reader("runs show 1 --json" + dbarg(), true);
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(nlohmann::json::parse(show.output).at("last_metrics").at("val/ppl").at("value"), 12.25);

  const CliResult csv = as_reader("runs export 1 --format csv --table metrics" + dbarg());
  EXPECT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_NE(csv.output.find("train/loss"), std::string::npos) << csv.output;

  const CliResult compare = as_reader("runs compare 1 2 --json" + dbarg(), true);
  ASSERT_EQ(compare.exit_code, 0) << compare.output;
  EXPECT_EQ(nlohmann::json::parse(compare.output).at("runs")[1].at("final_val_ppl"), 11.5);

  EXPECT_EQ(bytes_of(db_), before);
  EXPECT_EQ(entries(dir_), listing);  // not even a -shm beside it
}

TEST_F(RunsUntrusted, ReadCommandsWorkOnAReadOnlyFileInAWritableFolder) {
  made("runs_untrusted_ro_file");
  if (const std::string why = lock_down(dir_, /*folder_writable=*/true); !why.empty()) GTEST_SKIP() << why;
  const std::string before = bytes_of(db_);
  const CliResult list = as_reader("runs list --json" + dbarg(), true);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(nlohmann::json::parse(list.output).at("runs").size(), 2u);
  const CliResult show = as_reader("runs show 2" + dbarg());
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(bytes_of(db_), before);
}

TEST_F(RunsUntrusted, UncheckpointedWalWithoutShmInAReadOnlyFolderIsRefusedSayingWhy) {
  made("runs_untrusted_wal_only");
  const fs::path copy = dir_ / "copy";
  fs::create_directories(copy);
  {
    store::RunDb live(db_);  // keeps the -wal from being checkpointed while it is copied
    live.add_event(1, store::EventLevel::info, "written after the handout was made");
    fs::copy_file(db_, copy / "runs.db");
    fs::copy_file(db_ + "-wal", copy / "runs.db-wal");
  }
  ASSERT_GT(fs::file_size(copy / "runs.db-wal"), 32u);
  if (const std::string why = lock_down(copy); !why.empty()) GTEST_SKIP() << why;
  const CliResult r = as_reader("runs list --db " + (copy / "runs.db").string());
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("-wal holds transactions"), std::string::npos) << r.output;
}

TEST_F(RunsUntrusted, TriggerOnMetricsIsRefusedAndTheFileLeftUnchanged) {
  made("runs_untrusted_trigger");
  store::test::RawDb(db_).exec("CREATE TRIGGER wipe AFTER INSERT ON metrics BEGIN DELETE FROM runs; END;");
  const std::string before = bytes_of(db_);
  for (const char* cmd : {"runs list", "runs show 1", "runs export 1"}) {
    const CliResult r = run_cli(std::string(cmd) + dbarg());
    EXPECT_NE(r.exit_code, 0) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("an extra trigger 'wipe' on metrics"), std::string::npos) << cmd << "\n" << r.output;
  }
  EXPECT_EQ(bytes_of(db_), before);
}

TEST_F(RunsUntrusted, HundredMegabyteSpecJsonIsRefusedNamingIt) {
  made("runs_untrusted_huge_spec");
  store::test::RawDb(db_).exec("UPDATE runs SET spec_json = hex(zeroblob(50000000)) WHERE id = 2");
  for (const char* cmd : {"runs show 2", "runs list", "runs list --json"}) {
    const CliResult r = run_cli(std::string(cmd) + dbarg());
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.output;  // an error, not a crash
    EXPECT_NE(r.output.find("run 2 spec_json"), std::string::npos) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("8 MiB"), std::string::npos) << cmd << "\n" << r.output;
  }
  const CliResult other = run_cli("runs show 1" + dbarg());  // the other run still reads
  EXPECT_EQ(other.exit_code, 0) << other.output;
  fs::remove(db_);
}

TEST_F(RunsUntrusted, ShowPrintsThePathsAResumeWouldReadAndWrite) {
  made("runs_untrusted_paths");
  const nlohmann::json j = cli_json("runs show 1 --json" + dbarg());
  const nlohmann::json want = nlohmann::json::array(
      {{{"role", "corpus.dir"}, {"path", "/srv/class/corpus"}, {"access", "read"}},
       {{"role", "checkpoint"}, {"path", "/srv/class/runs/run-1/step-20"}, {"access", "read"}},
       {{"role", "run_folder"}, {"path", "/srv/class/runs/run-1"}, {"access", "write"}}});
  EXPECT_EQ(j.at("paths"), want);
  const CliResult text = run_cli("runs show 1" + dbarg());
  EXPECT_NE(text.output.find("read   corpus.dir       /srv/class/corpus"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("write  run_folder       /srv/class/runs/run-1"), std::string::npos) << text.output;
}

}  // namespace
