// One owner per run: a claim is a compare-and-set, and every write of a training process is
// conditioned on the attempt it claimed (core/store/run_lease.h, docs/runs.md "Ownership").
#include "core/store/run_lease.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/store/metric_reader.h"
#include "core/store/metric_writer.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/store/run_queue.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

namespace fs = std::filesystem;
using test::fresh_db_path;
using test::RawDb;
using test::dead_pid;


std::int64_t new_run(RunDb& db) { return db.create_run({std::nullopt, "r", "pre", RunKind::train, "{}", 100}); }

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const ClaimRefused& e) {
    return e.what();
  }
  return "";
}

TEST(RunLease, ClaimIsRefusedWhileALiveProcessHoldsTheRunNamingItsPid) {
  RunDb db(fresh_db_path());
  const std::int64_t run = new_run(db);
  const std::int64_t other = getppid();  // alive, and not this process
  EXPECT_EQ(claim_run(db, run, other, this_host()), 1);
  const std::string m = refusal([&] { claim_run(db, run, this_pid(), this_host()); });
  EXPECT_NE(m.find("held by process " + std::to_string(other)), std::string::npos) << m;
  EXPECT_NE(m.find("alive"), std::string::npos) << m;
  EXPECT_EQ(*db.get_run(run)->pid, other);  // nothing changed
  EXPECT_EQ(RawDb(db.path()).integer("SELECT attempt FROM runs"), 1);
}

TEST(RunLease, ClaimSucceedsFromADeadHolderAndCountsAttempts) {
  StoreOptions no_reap;
  no_reap.reap_on_open = false;
  RunDb db(fresh_db_path(), no_reap);
  const std::int64_t run = new_run(db);
  EXPECT_EQ(claim_run(db, run, dead_pid(), this_host()), 1);  // a running run whose process is gone
  EXPECT_EQ(claim_run(db, run, this_pid(), this_host()), 2);
  EXPECT_EQ(*db.get_run(run)->pid, this_pid());
  EXPECT_EQ(db.get_run(run)->status, RunStatus::running);
}

TEST(RunLease, AnotherHostsProcessCannotBeProvenDeadSoTheClaimIsRefused) {
  RunDb db(fresh_db_path());
  const std::int64_t run = new_run(db);
  claim_run(db, run, 4242, "another-host");
  db.set_status(run, RunStatus::failed, "process lost");
  const std::string m = refusal([&] { claim_run(db, run, this_pid(), this_host()); });
  EXPECT_NE(m.find("another-host"), std::string::npos) << m;
  EXPECT_NE(m.find("jobs resume"), std::string::npos) << m;
  // jobs resume (requeue) clears the holder; then the claim is granted.
  ASSERT_TRUE(requeue_run(db, run));
  EXPECT_EQ(claim_run(db, run, this_pid(), this_host()), 3);  // requeue ended attempt 1 (-> 2), claim -> 3
}

TEST(RunLease, FinishedAndDivergedRunsCannotBeClaimed) {
  RunDb db(fresh_db_path());
  const std::int64_t a = new_run(db), b = new_run(db);
  db.set_status(a, RunStatus::finished);
  db.set_status(b, RunStatus::diverged, "loss is NaN at step 3");
  EXPECT_NE(refusal([&] { claim_run(db, a, this_pid(), this_host()); }).find("has finished"), std::string::npos);
  EXPECT_NE(refusal([&] { claim_run(db, b, this_pid(), this_host()); }).find("diverge again"), std::string::npos);
}

TEST(RunLease, AFreshStartSupersedesOldRowsAndIsRefusedWhenCheckpointsExist) {
  RunDb db(fresh_db_path());
  const std::int64_t run = new_run(db);
  {
    MetricWriter w(db.path());
    w.log(run, "train/loss", 1, 3.0);
    w.log(run, "train/loss", 2, 2.5);
  }
  db.set_status(run, RunStatus::failed, "killed");
  ClaimOptions fresh;
  fresh.fresh_start = true;
  claim_run(db, run, this_pid(), this_host(), fresh);
  EXPECT_EQ(RawDb(db.path()).integer("SELECT count(*) FROM metrics"), 0);

  db.add_checkpoint(run, 5, "/nowhere/step-5");
  db.set_status(run, RunStatus::stopped);
  const std::string m = refusal([&] { claim_run(db, run, this_pid(), this_host(), fresh); });
  EXPECT_NE(m.find("1 checkpoint(s)"), std::string::npos) << m;
  EXPECT_NE(m.find("train --resume " + std::to_string(run)), std::string::npos) << m;
}

TEST(RunLease, AResumeMustContinueFromTheLastCheckpointItLoaded) {
  RunDb db(fresh_db_path());
  const std::int64_t run = new_run(db);
  db.add_checkpoint(run, 5, "/ckpt/step-5");
  const std::int64_t first = db.last_checkpoint(run)->id;
  db.add_checkpoint(run, 10, "/ckpt/step-10");
  {
    MetricWriter w(db.path());
    for (int s = 1; s <= 12; ++s) w.log(run, "train/loss", s, 1.0 / s);
  }
  db.set_status(run, RunStatus::failed, "process lost");
  ClaimOptions stale;
  stale.resume_checkpoint = first;  // loaded before step 10 was listed
  EXPECT_NE(refusal([&] { claim_run(db, run, this_pid(), this_host(), stale); }).find("changed"), std::string::npos);
  ClaimOptions last;
  last.resume_checkpoint = db.last_checkpoint(run)->id;
  claim_run(db, run, this_pid(), this_host(), last);
  EXPECT_EQ(RawDb(db.path()).integer("SELECT max(step) FROM metrics"), 10);  // 11 and 12 superseded
  EXPECT_EQ(db.get_run(run)->step, 10);
}

TEST(RunLease, ALostLeaseWritesNothingMoreThroughAnyWriter) {
  const std::string path = fresh_db_path();
  std::int64_t run = 0;
  {
    RunDb db(path);
    run = new_run(db);
  }
  RunLease lease(path, run, {});
  MetricWriterOptions mo;
  mo.owner = lease.id();
  mo.signal = lease.signal();
  MetricWriter writer(path, mo);
  writer.log(run, "train/loss", 1, 2.0);
  writer.flush();
  lease.heartbeat(1);

  // The process is reaped ("process lost"): it may still go on; its heartbeat revives the run.
  RunDb other(path);
  other.set_status(run, RunStatus::failed, std::string(kProcessLost));
  lease.heartbeat(2);
  EXPECT_EQ(other.get_run(run)->status, RunStatus::running);

  // Another process takes the run over (jobs resume --force): the lease is lost.
  other.set_status(run, RunStatus::failed, std::string(kProcessLost));
  ASSERT_TRUE(requeue_run(other, run, /*force=*/true));
  const std::int64_t before = RawDb(path).integer("SELECT count(*) FROM metrics");
  writer.log(run, "train/loss", 2, 1.5);
  EXPECT_THROW(writer.flush(), LeaseLost);
  EXPECT_TRUE(lease.signal()->raised());
  EXPECT_NE(lease.signal()->why().find("no longer owns the run"), std::string::npos) << lease.signal()->why();
  EXPECT_THROW(writer.log(run, "train/loss", 3, 1.0), LeaseLost);
  EXPECT_THROW(lease.heartbeat(3), LeaseLost);
  EXPECT_THROW(lease.add_event(EventLevel::info, "hello"), LeaseLost);
  EXPECT_THROW(lease.end(RunStatus::finished, ""), LeaseLost);
  EXPECT_EQ(RawDb(path).integer("SELECT count(*) FROM metrics"), before);
  EXPECT_EQ(other.get_run(run)->status, RunStatus::queued);
}

TEST(RunLease, RequeueIsRefusedWhileTheRecordedProcessIsAliveUnlessForced) {
  RunDb db(fresh_db_path());
  const std::int64_t run = new_run(db);
  const std::int64_t other = getppid();
  claim_run(db, run, other, this_host());
  db.set_status(run, RunStatus::failed, "process lost");  // e.g. frozen past the heartbeat timeout
  try {
    requeue_run(db, run);
    FAIL() << "requeued while process " << other << " is alive";
  } catch (const ClaimRefused& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(other)), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.get_run(run)->status, RunStatus::failed);
  EXPECT_TRUE(requeue_run(db, run, /*force=*/true));
  EXPECT_EQ(db.get_run(run)->status, RunStatus::queued);
}

TEST(RunLease, APublishedCheckpointNeverReplacesAListedFolder) {
  const std::string path = fresh_db_path();
  const fs::path dir = fs::path(path).parent_path() / "run-1";
  fs::create_directories(dir);
  std::int64_t run = 0;
  {
    RunDb db(path);
    run = new_run(db);
  }
  RunLease lease(path, run, {});
  auto staged = [&](const std::string& name, const std::string& content) {
    fs::create_directories(dir / name);
    std::ofstream(dir / name / "marker") << content;
    return (dir / name).string();
  };
  // A leftover step-5 that no row lists (an attempt that died after its rename) is replaced.
  staged("step-5", "leftover");
  lease.publish_checkpoint(5, staged("step-5.1.partial", "new"), (dir / "step-5").string());
  std::ifstream in(dir / "step-5" / "marker");
  std::string marker;
  in >> marker;
  EXPECT_EQ(marker, "new");
  EXPECT_FALSE(fs::exists(dir / "step-5.1.partial"));
  // A listed one is kept, and the new checkpoint is refused.
  EXPECT_THROW(lease.publish_checkpoint(5, staged("step-5.1.partial", "again"), (dir / "step-5").string()), FileError);
  std::ifstream again(dir / "step-5" / "marker");
  again >> marker;
  EXPECT_EQ(marker, "new");
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM checkpoints"), 1);
  EXPECT_EQ(raw.integer("SELECT attempt FROM checkpoints"), lease.attempt());
}

TEST(RunLease, AQueuedRunClaimedByAGoneProcessIsQueuedAgain) {
  const std::string path = fresh_db_path();
  std::int64_t run = 0;
  {
    StoreOptions no_reap;
    no_reap.reap_on_open = false;
    RunDb db(path, no_reap);
    run = new_run(db);
    ASSERT_TRUE(claim_queued_run(db, run, dead_pid(), this_host()));
  }
  RunDb db(path);  // opening reaps
  EXPECT_FALSE(db.get_run(run)->pid.has_value());
  EXPECT_EQ(db.get_run(run)->status, RunStatus::queued);
  RowsSince<EventRecord> events = events_since(db, run, 0);
  ASSERT_EQ(events.rows.size(), 1u);
  EXPECT_NE(events.rows[0].message.find("queued again"), std::string::npos);
}

}  // namespace
}  // namespace depthscope::store
