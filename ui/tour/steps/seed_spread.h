#pragma once
// The live pair's verdict in words (Tour step 6): is the difference between the schemes'
// mean final validation PPL larger than the spread between seeds (the largest difference
// between two seeds of one scheme)? With two seeds it is a hint, not a test, and the words
// say so; `runs compare` gives the p-value from three seeds per scheme.
#include <vector>

#include <QString>

namespace depthscope::ui {

// `pre`, `lns`: each seed's final val PPL, in seed order. "" when either has no value.
QString seed_spread_words(const std::vector<double>& pre, const std::vector<double>& lns);

}  // namespace depthscope::ui
