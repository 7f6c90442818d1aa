#pragma once
// The "groups" and "pairs" of `runs compare --json` (the contract in docs/runs.md, "Seeds").
#include <nlohmann/json.hpp>

#include "core/store/scheme_comparison.h"

namespace depthscope::cli {

// {"groups": [{"scheme", "n", "runs", "metrics": {"<metric>": {"n", "mean", "std", "values",
//  "runs", "missing"}}}], "pairs": [{"a", "b", "metric", "n_a", "n_b", "difference",
//  "ci95": [lo, hi] | null, "p_value": number | "n too small"}]}
nlohmann::json scheme_comparison_json(const store::SchemeComparison& c);

// The same as lines of text under the runs table.
void print_scheme_comparison(const store::SchemeComparison& c);

}  // namespace depthscope::cli
