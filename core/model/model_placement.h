#pragma once
// Putting a model on a compute device (`--device`). Loading reads weights into CPU memory
// (or maps them); a model for a GPU is then copied there tensor by tensor, each keeping its
// dtype: F16/BF16 weights stay 2 bytes per element on the GPU (never widened to float32 as
// a whole model; compute_weights.h says how the forward uses them there).
#include <c10/core/Device.h>

#include "core/model/transformer.h"
#include "core/model/weights.h"

namespace depthscope {

// Every tensor of `w` on `device`, dtype unchanged; tensors that alias each other (a tied
// head) still alias one copy. Tensors already there are kept as they are (no copy).
ModelWeights weights_on(const ModelWeights& w, at::Device device);

// The same model with its weights on `device` (the config as it was).
Transformer model_on(const Transformer& model, at::Device device);

}  // namespace depthscope
