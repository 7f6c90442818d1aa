#pragma once
// An LNS model as a plain Pre-LN model (docs/model.md, "An LNS model that runs anywhere"):
// LNS scales each block's pre-norm output by 1/sqrt(l) after the norm's weight (and bias), so
//   LN(x) * w * s + b * s  =  LN(x) * (w s) + (b s),
// and folding s = 1/sqrt(l) into each block's two norm weights (and biases) gives a Pre-LN
// checkpoint with the same logits (up to float rounding of w * s) that any Llama loader runs.
#include <string>

#include "core/model/config.h"
#include "core/model/weights.h"

namespace depthscope {

struct FoldedModel {
  ModelConfig config;    // norm_scheme pre
  ModelWeights weights;  // float32 copies; every block's norms times 1/sqrt(l)
};

// LNS and lns_gamma (and pre, where s = 1) fold exactly. Throws UsageError naming the reason
// for every other scheme and for the GPAS add-on (no plain loader knows its gates).
FoldedModel fold_lns(const ModelConfig& c, const ModelWeights& w);

// "" when fold_lns accepts the config, otherwise why not.
std::string fold_lns_problem(const ModelConfig& c);

}  // namespace depthscope
