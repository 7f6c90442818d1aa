// depthscope-cli runs list | show | export | compare | delete, checked against the run database
// read directly (core/store).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "cli/jobs_test_support.h"
#include "core/store/metric_reader.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"

namespace {

using namespace depthscope;
using namespace depthscope::test;

class RunsCli : public JobsScratch {
 protected:
  // Two finished 30-step runs (pre, lns) trained in-process by `train --spec`.
  void trained(const std::string& name) {
    make(name);
    const auto r = run_cli("train --spec " + write_spec(dir_, "pair") + dbarg());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  store::RunDb db() { return store::RunDb(db_); }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST_F(RunsCli, ListGivesEveryRunWithItsFields) {
  trained("runs_list");
  const auto j = cli_json("runs list" + dbarg() + " --json");
  ASSERT_EQ(j.at("runs").size(), 2u) << j;
  const auto& r = j["runs"][0];
  for (const char* key : {"id", "experiment", "name", "scheme", "status", "step", "steps", "updated_at"})
    EXPECT_TRUE(r.contains(key)) << key << " missing: " << r;
  EXPECT_EQ(r.at("id"), 1);
  EXPECT_EQ(r.at("experiment"), 1);
  EXPECT_EQ(r.at("name"), "pair/pre");
  EXPECT_EQ(j["runs"][1].at("scheme"), "lns");
  EXPECT_EQ(r.at("status"), "finished");
  EXPECT_EQ(r.at("step"), 30);
  EXPECT_EQ(r.at("steps"), 30);
  EXPECT_EQ(r.at("updated_at"), db().get_run(1)->ended_at.value());
  const auto text = run_cli("runs list" + dbarg());
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("pair/lns"), std::string::npos) << text.output;
}

TEST_F(RunsCli, ShowHasSpecStatusLastMetricsCheckpointsAndEvents) {
  trained("runs_show");
  const auto j = cli_json("runs show 2" + dbarg() + " --json");
  EXPECT_EQ(j.at("run").at("status"), "finished");
  EXPECT_EQ(j.at("spec").at("steps"), 30);
  EXPECT_EQ(j.at("spec").at("schemes"), nlohmann::json::array({"lns"}));
  store::RunDb d = db();
  for (const store::MetricRow& m : store::last_values(d, 2)) {
    EXPECT_EQ(j.at("last_metrics").at(m.key).at("step"), m.step) << m.key;
    EXPECT_DOUBLE_EQ(j["last_metrics"][m.key].at("value").get<double>(), m.value) << m.key;
  }
  EXPECT_DOUBLE_EQ(j["last_metrics"].at("val/ppl").at("value").get<double>(),
                   std::exp(j["last_metrics"].at("val/loss").at("value").get<double>()));
  const auto& ck = j.at("checkpoints");
  ASSERT_EQ(ck.size(), 3u) << ck;  // steps 10, 20, 30
  EXPECT_EQ(ck[2].at("step"), 30);
  EXPECT_TRUE(fs::exists(ck[2].at("path").get<std::string>()));
  bool finished = false;
  for (const auto& e : j.at("events")) finished |= e.at("message") == "finished at step 30";
  EXPECT_TRUE(finished) << j.at("events");
  const auto text = run_cli("runs show 2" + dbarg());
  EXPECT_NE(text.output.find("val/ppl"), std::string::npos) << text.output;
  const auto missing = run_cli("runs show 9" + dbarg());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("there is no run 9 in " + db_), std::string::npos) << missing.output;
}

TEST_F(RunsCli, ExportWritesEveryRowAsCsvAndJson) {
  trained("runs_export");
  store::RunDb d = db();
  const std::size_t metrics = store::run_metrics(d, 1).size(), layers = store::run_layer_metrics(d, 1).size();
  // 5 train/* keys every step; val/loss, val/ppl at 10, 20, 30; removal/mean_delta_ppl at 30.
  EXPECT_EQ(metrics, 30u * 5 + 3 * 2 + 1);
  EXPECT_EQ(layers, 7u * 2 * 4 + 2);    // steps 1, 5, ..., 30; 2 layers; 4 keys; removal_delta_ppl at 30

  const auto json = cli_json("runs export 1" + dbarg() + " --format json");
  EXPECT_EQ(json.at("metrics").size(), metrics);
  EXPECT_EQ(json.at("layer_metrics").size(), layers);
  EXPECT_EQ(json["metrics"][0].at("run_id"), 1);

  const auto csv_metrics = run_cli("runs export 1" + dbarg() + " --format csv --table metrics", true);
  ASSERT_EQ(csv_metrics.exit_code, 0);
  EXPECT_EQ(lines(csv_metrics.output), metrics + 1);  // + header
  EXPECT_EQ(csv_metrics.output.rfind("run_id,key,step,value,wall_ms\n", 0), 0u);
  const auto both = run_cli("runs export 1" + dbarg() + " --format csv", true);
  EXPECT_EQ(lines(both.output), metrics + 1 + 1 + layers + 1);  // two tables, one empty line between

  const auto written = cli_json("runs export 1" + dbarg() + " --format csv --out " + (dir_ / "csv").string() + " --json");
  EXPECT_EQ(written.at("metrics"), metrics);
  EXPECT_EQ(written.at("layer_metrics"), layers);
  EXPECT_EQ(lines(read_file(dir_ / "csv" / "run-1-metrics.csv")), metrics + 1);
  EXPECT_EQ(lines(read_file(dir_ / "csv" / "run-1-layer_metrics.csv")), layers + 1);
  cli_json("runs export 1" + dbarg() + " --format json --out " + (dir_ / "json").string() + " --json");
  const auto file = nlohmann::json::parse(read_file(dir_ / "json" / "run-1.json"));
  EXPECT_EQ(file.at("metrics").size(), metrics);
  EXPECT_EQ(file.at("layer_metrics").size(), layers);
}

// What runs compare must report, computed here from the rows themselves.
struct Expected {
  double ppl = 0;
  std::int64_t layer_step = 0, step = 0;
  double ratio = 0;
  int near = 0;
};

Expected expected(store::RunDb& d, std::int64_t run, double threshold) {
  Expected e;
  std::int64_t ppl_step = -1;
  for (const store::MetricRow& m : store::run_metrics(d, run)) {
    e.step = std::max(e.step, m.step);
    if (m.key == "val/ppl" && m.step > ppl_step) ppl_step = m.step, e.ppl = m.value;
  }
  const std::vector<store::LayerMetricRow> rows = store::run_layer_metrics(d, run);
  for (const store::LayerMetricRow& r : rows) e.layer_step = std::max(e.layer_step, r.step);
  std::map<int, double> variance;
  for (const store::LayerMetricRow& r : rows) {
    if (r.step != e.layer_step) continue;
    if (r.key == "residual_variance") variance[r.layer] = r.value;
    if (r.key == "angular_distance_next" && r.value < threshold) ++e.near;
  }
  e.ratio = variance.rbegin()->second / variance.at(1);
  e.step = std::max(e.step, d.get_run(run)->step);
  return e;
}

TEST_F(RunsCli, CompareNumbersEqualTheDatabase) {
  trained("runs_compare");
  store::RunDb d = db();
  for (double threshold : {0.2, 0.0, 1.0}) {
    std::ostringstream t;
    t << threshold;
    const auto j = cli_json("runs compare 1 2" + dbarg() + " --identity-below " + t.str() + " --json");
    ASSERT_EQ(j.at("runs").size(), 2u) << j;
    EXPECT_DOUBLE_EQ(j.at("near_identity_threshold").get<double>(), threshold);
    for (int i = 0; i < 2; ++i) {
      const auto& r = j["runs"][i];
      const Expected e = expected(d, i + 1, threshold);
      EXPECT_EQ(r.at("id"), i + 1);
      EXPECT_EQ(r.at("step"), e.step);
      EXPECT_EQ(r.at("step"), 30);
      EXPECT_EQ(r.at("val_ppl_step"), 30);
      EXPECT_DOUBLE_EQ(r.at("final_val_ppl").get<double>(), e.ppl);
      EXPECT_EQ(r.at("layer_metrics_step"), e.layer_step);
      EXPECT_EQ(r.at("layers"), 2);
      EXPECT_DOUBLE_EQ(r.at("residual_variance_ratio").get<double>(), e.ratio);
      EXPECT_EQ(r.at("near_identity_layers"), e.near) << "threshold " << threshold;
    }
    if (threshold == 0.0) EXPECT_EQ(j["runs"][0].at("near_identity_layers"), 0);
    if (threshold == 1.0) EXPECT_EQ(j["runs"][0].at("near_identity_layers"), 2);  // arccos/pi < 1 always
  }
  const auto text = run_cli("runs compare 1 2" + dbarg());
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("pair/pre"), std::string::npos) << text.output;
}

TEST_F(RunsCli, NonFiniteValuesAreJsonStringsAndMissingOnesNull) {
  make("runs_nonfinite");
  {
    store::RunDb d(db_);
    store::NewRun n;
    n.name = "odd";
    n.scheme = "pre";
    n.steps = 4;
    d.create_run(n);  // run 1: NaN perplexity, infinite variance
    d.create_run(n);  // run 2: nothing logged
    store::MetricWriter w(db_);
    w.log(1, "val/ppl", 2, 5.0);
    w.log(1, "val/ppl", 4, std::numeric_limits<double>::quiet_NaN());
    w.log_layer(1, "residual_variance", 4, 1, 2.0);
    w.log_layer(1, "residual_variance", 4, 2, std::numeric_limits<double>::infinity());
    w.log_layer(1, "angular_distance_next", 4, 1, 0.1);
    w.log_layer(1, "angular_distance_next", 4, 2, std::numeric_limits<double>::quiet_NaN());
    w.flush();
  }
  const auto j = cli_json("runs compare 1 2" + dbarg() + " --json");
  const auto& odd = j.at("runs").at(0);
  EXPECT_EQ(odd.at("final_val_ppl"), "NaN") << odd;
  EXPECT_EQ(odd.at("val_ppl_step"), 4);
  EXPECT_EQ(odd.at("residual_variance_ratio"), "Infinity") << odd;
  EXPECT_EQ(odd.at("near_identity_layers"), 1) << odd;  // NaN is not below 0.2
  EXPECT_EQ(odd.at("step"), 4);
  const auto& empty = j.at("runs").at(1);
  EXPECT_TRUE(empty.at("final_val_ppl").is_null()) << empty;
  EXPECT_TRUE(empty.at("residual_variance_ratio").is_null()) << empty;
  EXPECT_TRUE(empty.at("near_identity_layers").is_null()) << empty;
  EXPECT_EQ(empty.at("step"), 0);
  const auto show = cli_json("runs show 1" + dbarg() + " --json");
  EXPECT_EQ(show.at("last_metrics").at("val/ppl").at("value"), "NaN") << show;
  const auto text = run_cli("runs compare 1 2" + dbarg());
  EXPECT_NE(text.output.find("nan"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("inf"), std::string::npos) << text.output;
}

TEST_F(RunsCli, DeleteRemovesRowsAndWithFilesTheCheckpoints) {
  trained("runs_delete");
  std::vector<std::string> folders1, folders2;
  {
    store::RunDb d = db();
    for (const auto& c : d.checkpoints(1)) folders1.push_back(c.path);
    for (const auto& c : d.checkpoints(2)) folders2.push_back(c.path);
  }
  ASSERT_EQ(folders1.size(), 3u);
  ASSERT_EQ(folders2.size(), 3u);

  // Without --files: the rows go, the checkpoint folders stay.
  const auto j = cli_json("runs delete 1" + dbarg() + " --json");
  EXPECT_EQ(j.at("rows").at("metrics"), 157) << j;
  EXPECT_EQ(j.at("rows").at("checkpoints"), 3) << j;
  EXPECT_TRUE(j.at("removed").empty()) << j;
  {
    store::RunDb d = db();
    EXPECT_FALSE(d.get_run(1).has_value());
    EXPECT_TRUE(store::run_metrics(d, 1).empty());
    EXPECT_TRUE(store::run_layer_metrics(d, 1).empty());
    EXPECT_TRUE(d.checkpoints(1).empty());
    EXPECT_EQ(store::events_since(d, 1, 0).rows.size(), 0u);
    EXPECT_EQ(store::run_metrics(d, 2).size(), 157u) << "run 2 must be untouched";
  }
  for (const std::string& f : folders1) EXPECT_TRUE(fs::exists(f)) << f;

  // With --files: the checkpoint folders and the run folder go too.
  const auto k = cli_json("runs delete 2" + dbarg() + " --files --json");
  EXPECT_TRUE(k.at("kept").empty()) << k;
  for (const std::string& f : folders2) EXPECT_FALSE(fs::exists(f)) << f;
  EXPECT_FALSE(fs::exists(fs::path(folders2[0]).parent_path())) << "the run-2 folder stays";
  EXPECT_TRUE(fs::exists(fs::path(folders1[0]).parent_path()));
  EXPECT_TRUE(cli_json("runs list" + dbarg() + " --json").at("runs").empty());

  const auto again = run_cli("runs delete 2" + dbarg());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("there is no run 2"), std::string::npos) << again.output;
}

}  // namespace
