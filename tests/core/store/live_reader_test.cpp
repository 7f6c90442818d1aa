// A live view follows "rows newer than my cursor" while a training writer commits
// batches: cursors only grow and every row is seen exactly once, whether the writer is
// another thread or another process.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>
#include <tuple>

#include "core/store/metric_reader.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using namespace std::chrono_literals;
using test::fresh_db_path;

constexpr int kSteps = 4000;
const char* const kKeys[] = {"train/loss", "train/lr", "train/grad_norm"};
constexpr int kLayers = 4;

// What a training loop writes: 3 scalars and 4 layers per step, for each run.
void write_training(const std::string& path, std::int64_t run_a, std::int64_t run_b) {
  MetricWriterOptions o;
  o.max_rows = 337;  // odd sizes so batches straddle steps
  o.max_age = 5ms;
  MetricWriter w(path, o);
  for (int step = 1; step <= kSteps; ++step) {
    for (std::int64_t run : {run_a, run_b}) {
      for (const char* key : kKeys) w.log(run, key, step, step * 0.5);
      for (int layer = 1; layer <= kLayers; ++layer) w.log_layer(run, "residual_variance", step, layer, layer);
    }
    if (step % 500 == 0) std::this_thread::sleep_for(2ms);  // let batches go by age too
  }
  w.flush();
}

// Follows one table with a cursor until `done` is true and a read comes back empty;
// checks cursor growth and exactly-once delivery.
template <class Row, class Read, class Identity>
void follow(const std::string& path, const std::atomic<bool>& done, std::size_t expected,
            Read read, Identity identity) {
  RunDb db(path);
  std::int64_t cursor = 0;
  std::set<decltype(identity(std::declval<Row>()))> seen;
  int reads_while_writing = 0;
  for (;;) {
    const bool finished = done.load();
    RowsSince<Row> got = read(db, cursor);
    if (!finished && !got.rows.empty()) ++reads_while_writing;
    ASSERT_GE(got.cursor, cursor);
    for (const Row& r : got.rows) {
      ASSERT_GT(r.id, cursor) << "row id went backwards";
      cursor = r.id;
      ASSERT_TRUE(seen.insert(identity(r)).second) << "row seen twice, id " << r.id;
    }
    ASSERT_EQ(got.cursor, cursor);
    if (finished && got.rows.empty()) break;
    if (got.rows.empty()) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(seen.size(), expected);
  EXPECT_GT(reads_while_writing, 0) << "the reader never overlapped the writer";
}

// Three readers at once, each in its own thread with its own connection, as the GUI's
// chart workers would be.
void follow_all(const std::string& path, const std::atomic<bool>& done, std::int64_t run_a) {
  const std::size_t metric_rows = 2u * kSteps * 3u, layer_rows = 2u * kSteps * kLayers;
  std::thread all([&] {
    follow<MetricRow>(
        path, done, metric_rows,
        [](RunDb& db, std::int64_t c) { return metrics_since(db, std::nullopt, c, 500); },
        [](const MetricRow& r) { return std::make_tuple(r.run_id, r.key, r.step); });
  });
  std::thread one_run([&] {  // the GUI's usual question: one run's new rows
    follow<MetricRow>(
        path, done, metric_rows / 2,
        [run_a](RunDb& db, std::int64_t c) { return metrics_since(db, run_a, c, 700); },
        [](const MetricRow& r) { return std::make_tuple(r.run_id, r.key, r.step); });
  });
  follow<LayerMetricRow>(
      path, done, layer_rows,
      [](RunDb& db, std::int64_t c) { return layer_metrics_since(db, std::nullopt, c, 500); },
      [](const LayerMetricRow& r) { return std::make_tuple(r.run_id, r.key, r.step, r.layer); });
  all.join();
  one_run.join();
}

TEST(RunDbLiveReader, CursorSeesEveryRowOnceWhileAThreadWrites) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t a = db.create_run({std::nullopt, "a", "pre", RunKind::train, "{}", kSteps});
  const std::int64_t b = db.create_run({std::nullopt, "b", "lns", RunKind::train, "{}", kSteps});
  std::atomic<bool> done{false};
  std::thread writer([&] {
    write_training(path, a, b);
    done = true;
  });
  follow_all(path, done, a);
  writer.join();
}

TEST(RunDbLiveReader, CursorSeesEveryRowOnceWhileAnotherProcessWrites) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t a = db.create_run({std::nullopt, "a", "pre", RunKind::train, "{}", kSteps});
  const std::int64_t b = db.create_run({std::nullopt, "b", "lns", RunKind::train, "{}", kSteps});
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the training process: its own connection, nothing inherited used
    int code = 0;
    try {
      write_training(path, a, b);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "writer process: %s\n", e.what());
      code = 1;
    }
    _exit(code);
  }
  std::atomic<bool> done{false};
  std::thread reaper([&] {
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer process failed";
    done = true;
  });
  follow_all(path, done, a);
  reaper.join();
}

TEST(RunDbLiveReader, LastValuesGiveEachKeysLargestStep) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t run = db.create_run({std::nullopt, "r", "pre", RunKind::train, "{}", 10});
  const std::int64_t other = db.create_run({std::nullopt, "o", "pre", RunKind::train, "{}", 10});
  {
    MetricWriter w(path);
    w.log(run, "train/loss", 3, 2.0);
    w.log(run, "train/loss", 1, 4.0);  // logged late, older step
    w.log(run, "val/ppl", 2, 9.0);
    w.log(other, "train/loss", 99, 0.1);
  }
  std::vector<MetricRow> last = last_values(db, run);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].key, "train/loss");
  EXPECT_EQ(last[0].step, 3);
  EXPECT_EQ(last[0].value, 2.0);
  EXPECT_EQ(last[1].key, "val/ppl");
  EXPECT_EQ(last[1].value, 9.0);
  EXPECT_TRUE(last_values(db, 12345).empty());
}

}  // namespace
}  // namespace depthscope::store
