// The run lifecycle: queued -> running (heartbeats) -> a terminal status, with
// checkpoints and events along the way, and deletion of everything a run wrote.
#include <gtest/gtest.h>

#include "core/store/metric_reader.h"
#include "core/store/metric_writer.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using test::fresh_db_path;
using test::RawDb;

TEST(RunDbLifecycle, CreateRunIsQueuedAndListed) {
  RunDb db(fresh_db_path());
  const std::int64_t exp = db.create_experiment("depth sweep", R"({"layers":[12,24]})");
  const std::int64_t before = wall_ms_now();
  const std::int64_t run =
      db.create_run({exp, "lns-24", "lns", RunKind::finetune, R"({"lr":3e-4})", 5000});
  std::optional<RunRecord> r = db.get_run(run);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->experiment_id, exp);
  EXPECT_EQ(r->name, "lns-24");
  EXPECT_EQ(r->scheme, "lns");
  EXPECT_EQ(r->kind, RunKind::finetune);
  EXPECT_EQ(r->status, RunStatus::queued);
  EXPECT_EQ(r->spec_json, R"({"lr":3e-4})");
  EXPECT_EQ(r->steps, 5000);
  EXPECT_EQ(r->step, 0);
  EXPECT_FALSE(r->pid.has_value());
  EXPECT_FALSE(r->started_at.has_value());
  EXPECT_GE(r->created_at, before);
  EXPECT_LE(r->created_at, wall_ms_now());

  ASSERT_EQ(db.list_experiments().size(), 1u);
  EXPECT_EQ(db.list_experiments()[0].spec_json, R"({"layers":[12,24]})");
  std::vector<RunRecord> runs = db.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, run);
  EXPECT_FALSE(db.get_run(run + 100).has_value());
}

TEST(RunDbLifecycle, RunningHeartbeatAndTerminalStatus) {
  RunDb db(fresh_db_path());
  const std::int64_t run = db.create_run({std::nullopt, "pre-12", "pre", RunKind::train, "{}", 100});
  db.mark_running(run, this_pid(), this_host());
  RunRecord r = *db.get_run(run);
  EXPECT_EQ(r.status, RunStatus::running);
  EXPECT_EQ(r.pid, this_pid());
  EXPECT_EQ(r.host, this_host());
  ASSERT_TRUE(r.started_at && r.heartbeat_at);
  EXPECT_FALSE(r.ended_at.has_value());

  db.heartbeat(run, 42);
  r = *db.get_run(run);
  EXPECT_EQ(r.step, 42);
  EXPECT_GE(*r.heartbeat_at, *r.started_at);

  db.set_status(run, RunStatus::diverged, "loss is NaN at step 43");
  r = *db.get_run(run);
  EXPECT_EQ(r.status, RunStatus::diverged);
  EXPECT_EQ(r.error, "loss is NaN at step 43");
  ASSERT_TRUE(r.ended_at.has_value());

  // A diverged run is not claimed again (it would diverge again); a stopped one is resumed:
  // running again, started_at kept, ended_at and error cleared.
  EXPECT_THROW(db.mark_running(run, this_pid(), this_host()), ClaimRefused);
  db.set_status(run, RunStatus::stopped, "stopped at step 43");
  const std::int64_t first_start = *r.started_at;
  db.mark_running(run, this_pid(), this_host());
  r = *db.get_run(run);
  EXPECT_EQ(r.status, RunStatus::running);
  EXPECT_EQ(*r.started_at, first_start);
  EXPECT_FALSE(r.ended_at.has_value());
  EXPECT_EQ(r.error, "");
  db.set_status(run, RunStatus::finished);
  EXPECT_EQ(db.get_run(run)->status, RunStatus::finished);
}

TEST(RunDbLifecycle, UnknownRunIsAnErrorNamingTheFileAndTheRun) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  try {
    db.heartbeat(77, 1);
    FAIL() << "heartbeat of a run that does not exist";
  } catch (const DatabaseError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("no run with id 77"), std::string::npos) << m;
  }
  EXPECT_THROW(db.set_status(77, RunStatus::stopped), DatabaseError);
  EXPECT_THROW(db.delete_run(77), DatabaseError);
}

TEST(RunDbLifecycle, LastCheckpointIsTheLargestStep) {
  RunDb db(fresh_db_path());
  const std::int64_t run = db.create_run({std::nullopt, "r", "pre", RunKind::train, "{}", 10});
  EXPECT_FALSE(db.last_checkpoint(run).has_value());
  db.add_checkpoint(run, 100, "/ckpt/step100.safetensors");
  db.add_checkpoint(run, 300, "/ckpt/step300.safetensors");
  db.add_checkpoint(run, 200, "/ckpt/step200.safetensors");
  std::optional<CheckpointRecord> last = db.last_checkpoint(run);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->step, 300);
  EXPECT_EQ(last->path, "/ckpt/step300.safetensors");
  ASSERT_EQ(db.checkpoints(run).size(), 3u);
  EXPECT_EQ(db.checkpoints(run)[1].step, 200);
}

TEST(RunDbLifecycle, EventsAreReadInOrderByCursor) {
  RunDb db(fresh_db_path());
  const std::int64_t run = db.create_run({std::nullopt, "r", "pre", RunKind::train, "{}", 10});
  db.add_event(run, EventLevel::info, "started");
  db.add_event(std::nullopt, EventLevel::warning, "disk 90% full");
  db.add_event(run, EventLevel::error, "diverged");
  RowsSince<EventRecord> all = events_since(db, std::nullopt, 0);
  ASSERT_EQ(all.rows.size(), 3u);
  EXPECT_FALSE(all.rows[1].run_id.has_value());
  RowsSince<EventRecord> mine = events_since(db, run, 0);
  ASSERT_EQ(mine.rows.size(), 2u);
  EXPECT_EQ(mine.rows[1].level, EventLevel::error);
  EXPECT_EQ(mine.rows[1].message, "diverged");
  EXPECT_TRUE(events_since(db, run, mine.cursor).rows.empty());
}

TEST(RunDbLifecycle, DeleteRunRemovesEverythingItWrote) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t keep = db.create_run({std::nullopt, "keep", "pre", RunKind::train, "{}", 10});
  const std::int64_t gone = db.create_run({std::nullopt, "gone", "lns", RunKind::train, "{}", 10});
  {
    MetricWriter w(path);
    for (std::int64_t run : {keep, gone}) {
      w.log(run, "train/loss", 1, 2.5);
      w.log_layer(run, "residual_variance", 1, 3, 0.7);
    }
  }
  db.add_checkpoint(gone, 1, "/x");
  db.add_event(gone, EventLevel::info, "x");
  db.delete_run(gone);
  EXPECT_FALSE(db.get_run(gone).has_value());
  RawDb raw(path);
  for (const char* table : {"metrics", "layer_metrics", "checkpoints", "events"})
    EXPECT_EQ(raw.integer(std::string("SELECT count(*) FROM ") + table +
                          " WHERE run_id = " + std::to_string(gone)), 0) << table;
  EXPECT_EQ(raw.integer("SELECT count(*) FROM metrics WHERE run_id = " + std::to_string(keep)), 1);
}

TEST(RunDbLifecycle, StatusWordsRoundTripAndUnknownWordsAreNamed) {
  for (RunStatus s : {RunStatus::queued, RunStatus::running, RunStatus::stopped,
                      RunStatus::finished, RunStatus::failed, RunStatus::diverged})
    EXPECT_EQ(parse_run_status(to_string(s)), s);
  try {
    parse_run_status("exploded");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'exploded'"), std::string::npos);
  }
}

}  // namespace
}  // namespace depthscope::store
