#pragma once
// Multiple-choice items as an evaluation set for the engine (internal, ATen).
#include <vector>

#include "core/analysis/eval_engine.h"
#include "core/analysis/multiple_choice.h"

namespace depthscope::analysis {

// One ScoredBatch per (item, choice), in item order then choice order; each scores exactly
// the choice's tokens.
std::vector<ScoredBatch> multiple_choice_set(const std::vector<MultipleChoiceItem>& items);

// Accuracy from the rows the engine scored; the item batches start at rows[first].
MultipleChoiceResult multiple_choice_score(const std::vector<MultipleChoiceItem>& items,
                                           const std::vector<std::vector<NllSums>>& rows,
                                           std::size_t first);

}  // namespace depthscope::analysis
