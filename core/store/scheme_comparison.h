#pragma once
// Runs grouped by scheme (one run per seed), for `runs compare` and the Compare tab's
// difference table (docs/runs.md, "Seeds"):
//   - per scheme and metric: n, the mean, the sample standard deviation and the values;
//   - per pair of schemes (a before b, in the order the schemes first appear) and metric:
//     mean(a) - mean(b), its 95% confidence interval and Welch's two-sided p-value
//     (core/analysis/welch_test.h). The p-value needs n >= 3 in both groups ("n too small"
//     otherwise); the interval needs n >= 2.
// The metrics are those of run_summary.h: final_val_ppl, residual_variance_ratio and
// mean_removal_delta_ppl. A run without a finite value of a metric (never evaluated, diverged
// to NaN/Inf) is left out of that metric's statistics and listed in `missing`.
// Plain structs (no SQLite, torch or Qt).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/run_summary.h"

namespace depthscope::store {

inline constexpr int kMinRunsForPValue = 3;

// The metric names of the JSON contract, in report order.
const std::vector<std::string>& comparison_metrics();
// The value of `metric` (a name from comparison_metrics()) in one run's summary.
std::optional<double> metric_value(const RunSummary& s, const std::string& metric);

struct MetricGroup {
  std::string metric;
  std::vector<double> values;          // finite values, in run order
  std::vector<std::int64_t> runs;      // the runs they come from
  std::vector<std::int64_t> missing;   // runs without a finite value
  double mean = 0, std = 0;            // NaN when there are no values / fewer than two
};

struct SchemeGroup {
  std::string scheme;
  std::vector<std::int64_t> runs;
  std::vector<MetricGroup> metrics;    // comparison_metrics() order
  const MetricGroup& metric(const std::string& name) const;
};

struct SchemePair {
  std::string a, b, metric;
  std::size_t n_a = 0, n_b = 0;
  double difference = 0;                            // mean(a) - mean(b); NaN without values
  std::optional<std::pair<double, double>> ci95;    // n >= 2 in both groups
  std::optional<double> p_value;                    // n >= 3 in both groups
};

struct SchemeComparison {
  std::vector<SchemeGroup> groups;
  std::vector<SchemePair> pairs;
};

SchemeComparison compare_schemes(const std::vector<RunSummary>& runs);

// "p = 0.012", "n too small (n = 2 and 3; a p-value needs 3 runs each)", ...: the words the
// CLI table and the GUI use for one pair.
std::string p_value_words(const SchemePair& p);

}  // namespace depthscope::store
