#pragma once
// Gemma's RMSNorm multiplies by (1 + w) and its files store w (zero-centred; Hugging Face's
// Gemma2RMSNorm). DepthScope keeps the stored w in ModelWeights (so saving, converting and
// training keep the file's convention), and both forwards multiply by the weight these
// functions return: w + 1 under ModelConfig::norm_plus_one (differentiable: gradients reach the
// stored w), w itself otherwise.
#include <ATen/core/Tensor.h>

#include "core/model/config.h"
#include "core/model/weights.h"

namespace depthscope {

// The factor a norm multiplies by: w + 1 (Gemma) or w; undefined stays undefined.  [n]
at::Tensor applied_norm_weight(const ModelConfig& c, const at::Tensor& w);
// A layer whose norm weights (input, FFN input, output and q/k norms) are the applied ones.
LayerWeights with_applied_norm_weights(const ModelConfig& c, LayerWeights lw);
// The stored value of a norm weight whose applied factor is `factor` (init: 1 -> 0 for Gemma).
double stored_norm_weight(const ModelConfig& c, double factor);

}  // namespace depthscope
