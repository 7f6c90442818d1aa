#include "core/store/scheme_comparison.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/analysis/welch_test.h"

namespace depthscope::store {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

MetricGroup metric_group(const std::string& metric, const std::vector<const RunSummary*>& runs) {
  MetricGroup g;
  g.metric = metric;
  for (const RunSummary* s : runs) {
    const std::optional<double> v = metric_value(*s, metric);
    if (v && std::isfinite(*v)) {
      g.values.push_back(*v);
      g.runs.push_back(s->run);
    } else {
      g.missing.push_back(s->run);
    }
  }
  const MeanStd m = mean_std(g.values);
  g.mean = m.mean;
  g.std = m.std;
  return g;
}

SchemePair scheme_pair(const SchemeGroup& a, const SchemeGroup& b, const MetricGroup& ma, const MetricGroup& mb) {
  SchemePair p;
  p.a = a.scheme;
  p.b = b.scheme;
  p.metric = ma.metric;
  p.n_a = ma.values.size();
  p.n_b = mb.values.size();
  p.difference = p.n_a > 0 && p.n_b > 0 ? ma.mean - mb.mean : kNaN;
  if (p.n_a >= 2 && p.n_b >= 2) {
    const WelchTest w = welch_test(ma.values, mb.values);
    p.ci95 = std::make_pair(w.ci_low, w.ci_high);
    if (p.n_a >= kMinRunsForPValue && p.n_b >= kMinRunsForPValue) p.p_value = w.p_value;
  }
  return p;
}

}  // namespace

const std::vector<std::string>& comparison_metrics() {
  static const std::vector<std::string> names{"final_val_ppl", "residual_variance_ratio", "mean_removal_delta_ppl"};
  return names;
}

std::optional<double> metric_value(const RunSummary& s, const std::string& metric) {
  if (metric == "final_val_ppl") return s.final_val_ppl;
  if (metric == "residual_variance_ratio") return s.residual_variance_ratio;
  if (metric == "mean_removal_delta_ppl") return s.mean_removal_delta_ppl;
  return std::nullopt;
}

const MetricGroup& SchemeGroup::metric(const std::string& name) const {
  for (const MetricGroup& m : metrics)
    if (m.metric == name) return m;
  static const MetricGroup none;
  return none;
}

SchemeComparison compare_schemes(const std::vector<RunSummary>& runs) {
  // Schemes in the order they first appear.
  std::vector<std::string> schemes;
  std::vector<std::vector<const RunSummary*>> members;
  for (const RunSummary& s : runs) {
    std::size_t k = 0;
    while (k < schemes.size() && schemes[k] != s.scheme) ++k;
    if (k == schemes.size()) {
      schemes.push_back(s.scheme);
      members.emplace_back();
    }
    members[k].push_back(&s);
  }
  SchemeComparison out;
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    SchemeGroup g;
    g.scheme = schemes[k];
    for (const RunSummary* s : members[k]) g.runs.push_back(s->run);
    for (const std::string& metric : comparison_metrics()) g.metrics.push_back(metric_group(metric, members[k]));
    out.groups.push_back(std::move(g));
  }
  for (std::size_t i = 0; i < out.groups.size(); ++i)
    for (std::size_t j = i + 1; j < out.groups.size(); ++j)
      for (std::size_t m = 0; m < comparison_metrics().size(); ++m)
        out.pairs.push_back(scheme_pair(out.groups[i], out.groups[j], out.groups[i].metrics[m], out.groups[j].metrics[m]));
  return out;
}

std::string p_value_words(const SchemePair& p) {
  char buf[160];
  if (p.p_value) {
    std::snprintf(buf, sizeof buf, *p.p_value < 0.001 ? "p = %.1e" : "p = %.3f", *p.p_value);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "n too small (n = %zu and %zu; a p-value needs %d runs each)", p.n_a, p.n_b,
                kMinRunsForPValue);
  return buf;
}

}  // namespace depthscope::store
