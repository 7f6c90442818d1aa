// Figures for docs/runs.md: batched insert rate and the live reader's cursor query.
// Printed, not asserted (machines differ). RunDbBenchmark.* runs in the suite in about a
// second; the 1M-row measurement is DISABLED_ and run by hand:
//   depthscope_core_tests --gtest_also_run_disabled_tests --gtest_filter='*RunDbBenchmark*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/store/connection.h"
#include "core/store/metric_reader.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using Clock = std::chrono::steady_clock;
using test::fresh_db_path;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

const char* const kKeys[] = {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s",
                             "train/tokens", "val/loss", "val/ppl"};

// Logs `rows` scalar rows (7 keys per step) through a default MetricWriter; rows/s
// from the first log() to the end of the final flush.
double insert_rate(const std::string& path, std::int64_t run, std::int64_t rows) {
  MetricWriter w(path);
  const auto t0 = Clock::now();
  for (std::int64_t i = 0; i < rows; ++i) w.log(run, kKeys[i % 7], i / 7, 1.0 / (i + 1));
  w.flush();
  return rows / (ms_since(t0) / 1000.0);
}

double layer_insert_rate(const std::string& path, std::int64_t run, std::int64_t rows) {
  MetricWriter w(path);
  const auto t0 = Clock::now();
  for (std::int64_t i = 0; i < rows; ++i)
    w.log_layer(run, "residual_variance", i / 48, static_cast<int>(i % 48) + 1, 0.5);
  w.flush();
  return rows / (ms_since(t0) / 1000.0);
}

struct Timing {
  double median_ms, max_ms;
  std::size_t rows;
};

// The live view's poll: rows of `run` newer than `back` rows before the newest.
Timing cursor_query(RunDb& db, std::int64_t run, std::int64_t back, int repeats = 51) {
  std::int64_t newest = 0;
  {  // scoped: a statement left stepped would hold its read snapshot open
    Statement s = db.connection().prepare("SELECT coalesce(max(id), 0) FROM metrics WHERE run_id = ?1");
    s.bind_int(1, run);
    s.step();
    newest = s.int64(0);
  }
  std::vector<double> ms;
  std::size_t rows = 0;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    RowsSince<MetricRow> got = metrics_since(db, run, newest - back);
    ms.push_back(ms_since(t0));
    rows = got.rows.size();
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back(), rows};
}

std::string plan(RunDb& db, const std::string& sql) {
  Statement s = db.connection().prepare("EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (s.step()) out += (out.empty() ? "" : "; ") + s.text(3);
  return out;
}

TEST(RunDbBenchmark, BatchedInsertRateAndCursorQuery) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t run = db.create_run({std::nullopt, "bench", "pre", RunKind::train, "{}", 0});
  const double rate = insert_rate(path, run, 210000);
  const double layer_rate = layer_insert_rate(path, run, 96000);
  const Timing poll = cursor_query(db, run, 100);
  std::printf("[ figures  ] batched metric inserts: %.0f rows/s (210000 rows, default writer)\n", rate);
  std::printf("[ figures  ] batched layer_metric inserts: %.0f rows/s (96000 rows)\n", layer_rate);
  std::printf("[ figures  ] cursor query, newest %zu of 210000 rows: median %.3f ms, max %.3f ms\n",
              poll.rows, poll.median_ms, poll.max_ms);
  EXPECT_EQ(poll.rows, 100u);
  // The cursor query must be an index range, not a scan of the run.
  const std::string p = plan(db, "SELECT id FROM metrics WHERE run_id = 1 AND id > 5 ORDER BY id LIMIT 10");
  std::printf("[ figures  ] plan: %s\n", p.c_str());
  EXPECT_NE(p.find("metrics_by_run"), std::string::npos) << p;
  EXPECT_EQ(p.find("TEMP B-TREE"), std::string::npos) << p;
}

TEST(RunDbBenchmark, DISABLED_MillionRowRun) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t other = db.create_run({std::nullopt, "other", "pre", RunKind::train, "{}", 0});
  const std::int64_t run = db.create_run({std::nullopt, "big", "lns", RunKind::train, "{}", 0});
  const double other_rate = insert_rate(path, other, 300000);
  const double rate = insert_rate(path, run, 1000000);
  std::printf("[ figures  ] batched metric inserts: %.0f rows/s (1000000 rows into a run, "
              "after 300000 of another run at %.0f rows/s)\n", rate, other_rate);
  for (std::int64_t back : {0, 100, 1000, 10000}) {
    const Timing t = cursor_query(db, run, back);
    std::printf("[ figures  ] cursor query on the 1M-row run, %zu new rows: median %.3f ms, max %.3f ms\n",
                t.rows, t.median_ms, t.max_ms);
  }
  auto t0 = Clock::now();
  std::vector<MetricRow> last = last_values(db, run);
  std::printf("[ figures  ] last_values (%zu keys) on the 1M-row run: %.3f ms\n", last.size(), ms_since(t0));
  t0 = Clock::now();
  std::size_t all = 0;
  for (std::int64_t cursor = 0;;) {
    RowsSince<MetricRow> got = metrics_since(db, run, cursor);
    all += got.rows.size();
    cursor = got.cursor;
    if (!got.more) break;
  }
  std::printf("[ figures  ] first load of the 1M-row run by cursor (%zu rows): %.0f ms\n", all, ms_since(t0));
  t0 = Clock::now();
  std::vector<MetricRow> exported = run_metrics(db, run);
  std::printf("[ figures  ] run_metrics export (%zu rows): %.0f ms\n", exported.size(), ms_since(t0));
  t0 = Clock::now();
  const std::int64_t deleted = db.supersede_after(run, 1000000 / 7 - 1000);
  std::printf("[ figures  ] supersede_after the last 1000 steps (%lld rows): %.0f ms\n",
              static_cast<long long>(deleted), ms_since(t0));
  EXPECT_EQ(all, 1000000u);
}

}  // namespace
}  // namespace depthscope::store
