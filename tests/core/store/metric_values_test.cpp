// NaN and infinities survive the database exactly (SQLite alone would turn NaN into
// NULL and a naive reader would turn NULL into 0), and exports spell them readably.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/store/metric_export.h"
#include "core/store/metric_reader.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using test::fresh_db_path;
using test::RawDb;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(RunDbValues, NanAndInfinitiesRoundTripExactly) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  const std::int64_t run = db.create_run({std::nullopt, "r", "post", RunKind::train, "{}", 10});
  const double values[] = {1.5, kNaN, kInf, -kInf, -0.0, 5e-324, 1.7976931348623157e308};
  {
    MetricWriter w(path);
    for (int i = 0; i < 7; ++i) {
      w.log(run, "train/loss", i, values[i]);
      w.log_layer(run, "grad_norm", i, 1, values[i]);
    }
    w.flush();
  }
  std::vector<MetricRow> rows = run_metrics(db, run);
  std::vector<LayerMetricRow> layers = run_layer_metrics(db, run);
  ASSERT_EQ(rows.size(), 7u);
  ASSERT_EQ(layers.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    SCOPED_TRACE(i);
    if (std::isnan(values[i])) {
      EXPECT_TRUE(std::isnan(rows[i].value));
      EXPECT_TRUE(std::isnan(layers[i].value));
    } else {
      EXPECT_EQ(rows[i].value, values[i]);  // bit-exact, except that -0.0 reads as 0.0:
      EXPECT_EQ(layers[i].value, values[i]);  // SQLite stores integral REALs as integers
    }
  }
  // The file as an outside reader sees it: NaN is NULL, infinities are REAL.
  RawDb raw(path);
  EXPECT_EQ(raw.text("SELECT typeof(value) FROM metrics WHERE step = 1"), "null");
  EXPECT_EQ(raw.text("SELECT typeof(value) FROM metrics WHERE step = 2"), "real");
  EXPECT_EQ(raw.integer("SELECT value > 1e308 FROM metrics WHERE step = 2"), 1);
  EXPECT_EQ(raw.integer("SELECT value < -1e308 FROM metrics WHERE step = 3"), 1);
  // last_values and the live reader decode the same way.
  std::vector<MetricRow> last = last_values(db, run);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].value, 1.7976931348623157e308);
  RowsSince<MetricRow> live = metrics_since(db, run, 0);
  ASSERT_EQ(live.rows.size(), 7u);
  EXPECT_TRUE(std::isnan(live.rows[1].value));
  EXPECT_EQ(live.rows[3].value, -kInf);
}

TEST(RunDbValues, CsvAndJsonSpellNonFiniteValues) {
  std::vector<MetricRow> rows = {{1, 7, "train/loss", 1, 0.1, 1000},
                                 {2, 7, "train/loss", 2, kNaN, 1001},
                                 {3, 7, "odd,\"key\"", 3, kInf, 1002},
                                 {4, 7, "train/loss", 4, -kInf, 1003}};
  std::vector<LayerMetricRow> layers = {{1, 7, "update_ratio", 1, 2, kNaN}};
  EXPECT_EQ(metrics_csv(rows),
            "run_id,key,step,value,wall_ms\n"
            "7,train/loss,1,0.1,1000\n"
            "7,train/loss,2,nan,1001\n"
            "7,\"odd,\"\"key\"\"\",3,inf,1002\n"
            "7,train/loss,4,-inf,1003\n");
  EXPECT_EQ(layer_metrics_csv(layers), "run_id,key,step,layer,value\n7,update_ratio,1,2,nan\n");
  const std::string json = metrics_json(rows, layers);
  EXPECT_NE(json.find("\"NaN\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"Infinity\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"-Infinity\""), std::string::npos) << json;
  EXPECT_NE(json.find("0.1"), std::string::npos) << json;
}

}  // namespace
}  // namespace depthscope::store
