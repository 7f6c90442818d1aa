#pragma once
// How far a quantised model's residual stream drifts from its unquantised original, layer by
// layer (`depthscope-cli compare-quant`): both models run the same windows (perplexity.h's
// windows, BOS as there) and, at each block output x_{l+1}:
//   relative_error     ||x_q - x_o||_F / ||x_o||_F over every token of every window
//   variance           mean per-token residual variance of each model, and its relative
//                      change var_q / var_o - 1 (formulas::per_token_variance)
//   angular_distance   mean over tokens of arccos(cos(x_q, x_o)) / pi (formulas::angular_distance)
// and the perplexity of each with delta_ppl = ppl_q - ppl_o. Torch-free header.
#include <cstdint>
#include <vector>

#include "core/analysis/perplexity.h"
#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;

struct QuantLayerDrift {
  std::int64_t layer = 0;  // 1..L: the output of block l
  double relative_error = 0;
  double variance_quantised = 0, variance_original = 0;
  double variance_change = 0;  // variance_quantised / variance_original - 1
  double angular_distance = 0;
};

struct QuantComparison {
  std::vector<QuantLayerDrift> layers;
  PerplexityResult quantised, original;
  double delta_ppl = 0;  // quantised.ppl - original.ppl
};

// Throws UsageError when the two models differ in layers, hidden size or vocabulary.
QuantComparison compare_quantisation(const Transformer& quantised, const Transformer& original,
                                     const std::vector<std::int64_t>& tokens, const PerplexityOptions& options,
                                     const RunControl& control = RunControl());

}  // namespace depthscope
