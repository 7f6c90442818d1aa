// A run whose process died (kill -9, crash, lost machine) is marked failed with
// "process lost" by whoever opens or lists the database next.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "core/store/metric_reader.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using test::fresh_db_path;
using test::RawDb;
using test::dead_pid;


std::int64_t running_run(RunDb& db, std::int64_t pid, const std::string& host) {
  const std::int64_t run = db.create_run({std::nullopt, "r", "pre", RunKind::train, "{}", 100});
  db.mark_running(run, pid, host);
  return run;
}

TEST(RunDbStaleRuns, DeadPidOnThisHostIsReapedWhenTheDatabaseIsOpened) {
  const std::string path = fresh_db_path();
  std::int64_t dead = 0, alive = 0;
  const std::int64_t pid = dead_pid();
  ASSERT_FALSE(process_alive(pid));
  {
    StoreOptions no_reap;
    no_reap.reap_on_open = false;
    RunDb db(path, no_reap);
    dead = running_run(db, pid, this_host());
    alive = running_run(db, this_pid(), this_host());
    EXPECT_EQ(db.get_run(dead)->status, RunStatus::running);
  }
  RunDb db(path);  // opening for reading reaps
  RunRecord r = *db.get_run(dead);
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error, "process lost");
  EXPECT_TRUE(r.ended_at.has_value());
  EXPECT_EQ(db.get_run(alive)->status, RunStatus::running);
  RowsSince<EventRecord> events = events_since(db, dead, 0);
  ASSERT_EQ(events.rows.size(), 1u);
  EXPECT_NE(events.rows[0].message.find("no longer exists"), std::string::npos);
}

TEST(RunDbStaleRuns, ListingReapsToo) {
  const std::string path = fresh_db_path();
  StoreOptions no_reap;
  no_reap.reap_on_open = false;
  RunDb db(path, no_reap);
  const std::int64_t run = running_run(db, dead_pid(), this_host());
  std::vector<RunRecord> runs = db.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, run);
  EXPECT_EQ(runs[0].status, RunStatus::failed);
}

TEST(RunDbStaleRuns, OldHeartbeatIsReapedEvenWhenThePidCannotBeChecked) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t far = running_run(db, 4242, "another-host");  // pid not checkable here
  const std::int64_t fresh = running_run(db, 4243, "another-host");
  RawDb(path).exec("UPDATE runs SET heartbeat_at = heartbeat_at - 3600000 WHERE id = " +
                   std::to_string(far));
  std::vector<std::int64_t> reaped = db.reap_stale_runs(60 * 1000);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0], far);
  EXPECT_EQ(db.get_run(far)->error, "process lost");
  EXPECT_EQ(db.get_run(fresh)->status, RunStatus::running);
  EXPECT_TRUE(db.reap_stale_runs(60 * 1000).empty());  // only once
}

TEST(RunDbStaleRuns, OnlyRunningRunsAreReaped) {
  RunDb db(fresh_db_path());
  const std::int64_t run = running_run(db, dead_pid(), this_host());
  db.set_status(run, RunStatus::finished);
  const std::int64_t queued = db.create_run({std::nullopt, "q", "pre", RunKind::train, "{}", 1});
  EXPECT_TRUE(db.reap_stale_runs(0).empty());
  EXPECT_EQ(db.get_run(run)->status, RunStatus::finished);
  EXPECT_EQ(db.get_run(queued)->status, RunStatus::queued);
}

// A process that was only slow (a long evaluation between heartbeats) and got reaped
// proves it is alive with its next heartbeat.
TEST(RunDbStaleRuns, HeartbeatRevivesARunReapedByMistake) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t run = running_run(db, this_pid(), this_host());
  RawDb(path).exec("UPDATE runs SET heartbeat_at = heartbeat_at - 3600000");
  ASSERT_EQ(db.reap_stale_runs(1000).size(), 1u);
  EXPECT_EQ(db.get_run(run)->status, RunStatus::failed);
  db.heartbeat(run, 17);
  RunRecord r = *db.get_run(run);
  EXPECT_EQ(r.status, RunStatus::running);
  EXPECT_EQ(r.error, "");
  EXPECT_FALSE(r.ended_at.has_value());
  EXPECT_EQ(r.step, 17);
  // A run that failed for a real reason stays failed.
  db.set_status(run, RunStatus::failed, "out of memory");
  db.heartbeat(run, 18);
  EXPECT_EQ(db.get_run(run)->status, RunStatus::failed);
}

}  // namespace
}  // namespace depthscope::store
