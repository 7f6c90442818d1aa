// Seeds: a spec with "seeds" trains one run per seed and scheme, and `runs compare --json`
// gives per scheme n, mean, std and values, and per pair the difference, its 95% interval and
// Welch's p-value (docs/runs.md, "Seeds") -- checked against the database and the formulas.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

#include "cli/jobs_test_support.h"
#include "core/analysis/welch_test.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"

namespace {

using namespace depthscope;
using namespace depthscope::test;

class SeedsCli : public JobsScratch {
 protected:
  // 3 seeds x 2 schemes of the 30-step pair: runs 1..6, seed-major.
  void trained(const std::string& name) {
    make(name);
    SpecShape s;
    s.extra = R"(,"seeds":[1,2,3])";
    // --json prints the experiment first, then one line per step and per ended run.
    const auto r = run_cli("train --spec " + write_spec(dir_, "seeds", s) + dbarg() + " --json", /*stdout_only=*/true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output.substr(0, r.output.find('\n')));
    ASSERT_EQ(j.at("runs"), nlohmann::json::array({1, 2, 3, 4, 5, 6})) << j;
  }
};

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

TEST_F(SeedsCli, EachSeedIsOneRunPerSchemeWithItsSeed) {
  trained("seeds_runs");
  const auto list = cli_json("runs list" + dbarg() + " --json");
  ASSERT_EQ(list.at("runs").size(), 6u);
  const char* names[] = {"seeds/pre/seed-1", "seeds/lns/seed-1", "seeds/pre/seed-2",
                         "seeds/lns/seed-2", "seeds/pre/seed-3", "seeds/lns/seed-3"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(list["runs"][i].at("name"), names[i]);
    EXPECT_EQ(list["runs"][i].at("status"), "finished");
    const auto show = cli_json("runs show " + std::to_string(i + 1) + dbarg() + " --json");
    EXPECT_EQ(show.at("spec").at("seed"), i / 2 + 1) << show.at("spec");
    EXPECT_FALSE(show.at("spec").contains("seeds"));
  }
  // The seed sets the initial weights and the data order: the first training loss of one
  // scheme differs from seed to seed.
  store::RunDb db(db_);
  std::map<std::int64_t, double> first_loss;
  for (std::int64_t run = 1; run <= 6; ++run)
    for (const store::MetricRow& m : store::run_metrics(db, run))
      if (m.key == "train/loss" && m.step == 1) first_loss[run] = m.value;
  EXPECT_NE(first_loss.at(1), first_loss.at(3));
  EXPECT_NE(first_loss.at(3), first_loss.at(5));
}

TEST_F(SeedsCli, CompareGivesMeanStdAndWelchPerMetric) {
  trained("seeds_compare");
  const auto j = cli_json("runs compare 1 2 3 4 5 6" + dbarg() + " --json");
  ASSERT_EQ(j.at("groups").size(), 2u) << j;
  std::map<std::string, std::map<std::string, std::vector<double>>> values;  // scheme -> metric -> values
  for (const auto& r : j.at("runs"))
    for (const char* metric : {"final_val_ppl", "residual_variance_ratio", "mean_removal_delta_ppl"}) {
      ASSERT_TRUE(r.at(metric).is_number()) << metric << ": " << r;
      values[r.at("scheme")][metric].push_back(r.at(metric).get<double>());
    }
  EXPECT_EQ(j["groups"][0].at("scheme"), "pre");
  EXPECT_EQ(j["groups"][1].at("scheme"), "lns");
  for (const auto& g : j.at("groups")) {
    EXPECT_EQ(g.at("n"), 3) << g;
    EXPECT_EQ(g.at("metrics").size(), 3u) << g;
    for (const auto& [metric, m] : g.at("metrics").items()) {
      const std::vector<double>& v = values[g.at("scheme")][metric];
      EXPECT_EQ(m.at("n"), 3) << metric;
      EXPECT_EQ(m.at("values").get<std::vector<double>>(), v) << metric;
      EXPECT_NEAR(m.at("mean").get<double>(), mean_of(v), 1e-12 * std::fabs(mean_of(v))) << metric;
      double sq = 0;
      for (double x : v) sq += (x - mean_of(v)) * (x - mean_of(v));
      EXPECT_NEAR(m.at("std").get<double>(), std::sqrt(sq / 2), 1e-9 * std::sqrt(sq / 2) + 1e-300) << metric;
    }
    EXPECT_GT(g["metrics"]["final_val_ppl"].at("std").get<double>(), 0) << "the seeds gave the same run";
  }
  ASSERT_EQ(j.at("pairs").size(), 3u) << j;
  for (const auto& p : j.at("pairs")) {
    const std::string metric = p.at("metric");
    EXPECT_EQ(p.at("a"), "pre");
    EXPECT_EQ(p.at("b"), "lns");
    const WelchTest w = welch_test(values["pre"][metric], values["lns"][metric]);
    EXPECT_NEAR(p.at("difference").get<double>(), w.difference, 1e-9 * std::fabs(w.difference)) << metric;
    ASSERT_TRUE(p.at("p_value").is_number()) << p;
    EXPECT_NEAR(p.at("p_value").get<double>(), w.p_value, 1e-12) << metric;
    EXPECT_GE(p.at("p_value").get<double>(), 0);
    EXPECT_LE(p.at("p_value").get<double>(), 1);
    ASSERT_EQ(p.at("ci95").size(), 2u) << p;
    EXPECT_LE(p["ci95"][0].get<double>(), w.difference);
    EXPECT_GE(p["ci95"][1].get<double>(), w.difference);
  }
  // Two seeds: an interval, but "n too small" instead of a p-value.
  const auto two = cli_json("runs compare 1 2 3 4" + dbarg() + " --json");
  for (const auto& p : two.at("pairs")) {
    EXPECT_EQ(p.at("p_value"), "n too small") << p;
    EXPECT_EQ(p.at("ci95").size(), 2u) << p;
  }
  const auto text = run_cli("runs compare 1 2 3 4" + dbarg());
  EXPECT_NE(text.output.find("n too small"), std::string::npos) << text.output;
}

TEST_F(SeedsCli, MeanRemovalCostIsTheMeanOfTheLayersRemovalCosts) {
  trained("seeds_removal");
  store::RunDb db(db_);
  const auto j = cli_json("runs compare 1" + dbarg() + " --json");
  std::vector<double> per_layer;
  for (const store::LayerMetricRow& r : store::run_layer_metrics(db, 1))
    if (r.key == "removal_delta_ppl") {
      EXPECT_EQ(r.step, 30);
      per_layer.push_back(r.value);
    }
  ASSERT_EQ(per_layer.size(), 2u);
  EXPECT_NEAR(j["runs"][0].at("mean_removal_delta_ppl").get<double>(), mean_of(per_layer), 1e-12);
}

TEST_F(SeedsCli, BadSeedListsAreNamed) {
  make("seeds_bad");
  for (const std::string& extra : {std::string(R"(,"seeds":[])"), std::string(R"(,"seeds":[1,1])"),
                                   std::string(R"(,"seeds":[1,-2])"), std::string(R"(,"seed":3,"seeds":[1,2])")}) {
    SpecShape s;
    s.extra = extra;
    const auto r = run_cli("train --spec " + write_spec(dir_, "bad", s) + dbarg());
    EXPECT_NE(r.exit_code, 0) << extra;
    EXPECT_NE(r.output.find("seeds"), std::string::npos) << extra << ": " << r.output;
    EXPECT_FALSE(fs::exists(db_) && !cli_json("runs list" + dbarg() + " --json").at("runs").empty()) << extra;
  }
}

}  // namespace
