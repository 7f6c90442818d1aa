#include "app/cli/scheme_comparison_json.h"

#include <cstdio>

#include "app/cli/run_json.h"

namespace depthscope::cli {

nlohmann::json scheme_comparison_json(const store::SchemeComparison& c) {
  nlohmann::json groups = nlohmann::json::array();
  for (const store::SchemeGroup& g : c.groups) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const store::MetricGroup& m : g.metrics) {
      nlohmann::json values = nlohmann::json::array();
      for (double v : m.values) values.push_back(json_number(v));
      metrics[m.metric] = {{"n", m.values.size()}, {"mean", json_number(m.mean)}, {"std", json_number(m.std)},
                           {"values", values},     {"runs", m.runs},            {"missing", m.missing}};
    }
    groups.push_back({{"scheme", g.scheme}, {"scheme_name", scheme_display(g.scheme)}, {"n", g.runs.size()}, {"runs", g.runs}, {"metrics", metrics}});
  }
  nlohmann::json pairs = nlohmann::json::array();
  for (const store::SchemePair& p : c.pairs) {
    pairs.push_back({{"a", p.a},
                     {"b", p.b},
                     {"metric", p.metric},
                     {"n_a", p.n_a},
                     {"n_b", p.n_b},
                     {"difference", json_number(p.difference)},
                     {"ci95", p.ci95 ? nlohmann::json::array({json_number(p.ci95->first), json_number(p.ci95->second)})
                                     : nlohmann::json()},
                     {"p_value", p.p_value ? json_number(*p.p_value) : nlohmann::json("n too small")}});
  }
  return {{"groups", groups}, {"pairs", pairs}};
}

void print_scheme_comparison(const store::SchemeComparison& c) {
  std::printf("\nper scheme (mean +- sample std over its runs, n = runs with a value):\n");
  std::printf("%-20s %-24s %4s %12s %12s\n", "scheme", "metric", "n", "mean", "std");
  for (const store::SchemeGroup& g : c.groups)
    for (const store::MetricGroup& m : g.metrics)
      std::printf("%-20s %-24s %4zu %12s %12s\n", scheme_display(g.scheme).c_str(), m.metric.c_str(), m.values.size(),
                  table_number(m.mean).c_str(), table_number(m.std).c_str());
  if (c.pairs.empty()) return;
  std::printf("\ndifferences (a - b; 95%% CI and p-value of Welch's t-test):\n");
  for (const store::SchemePair& p : c.pairs) {
    const std::string ci = p.ci95 ? "[" + table_number(p.ci95->first) + ", " + table_number(p.ci95->second) + "]" : "-";
    std::printf("%s - %s  %-24s %12s  %-24s %s\n", scheme_display(p.a).c_str(), scheme_display(p.b).c_str(), p.metric.c_str(),
                table_number(p.difference).c_str(), ci.c_str(), store::p_value_words(p).c_str());
  }
}

}  // namespace depthscope::cli
