#pragma once
// Perplexity windows as an evaluation set for the engine (internal, ATen).
#include <cstdint>
#include <vector>

#include "core/analysis/eval_engine.h"
#include "core/analysis/perplexity.h"

namespace depthscope::analysis {

// One ScoredBatch of one row per window (perplexity_windows), with BOS substitution applied.
std::vector<ScoredBatch> perplexity_set(const std::vector<std::int64_t>& tokens,
                                        const PerplexityOptions& options);

}  // namespace depthscope::analysis
