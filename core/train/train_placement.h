#pragma once
// Putting a run on its device (the spec's "device"; core/runtime/torch_device.h): the weights, which Adam's moments
// follow (Adam makes them zeros_like the weights), the optimiser state of a resumed run, and
// every batch. Initialisation and data drawing stay on the CPU, so a run draws the same
// initial weights and the same batches on every device.
#include <c10/core/Device.h>

#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/model/weights.h"

namespace depthscope {

// Every weight copied to `device` (the same tensors when it is already there); a tied head
// stays tied to the embedding.
ModelWeights weights_to(const ModelWeights& weights, const ModelConfig& config, at::Device device);

// Every tensor of a state (e.g. Adam's moments read from a checkpoint) on `device`.
NamedTensors tensors_to(const NamedTensors& tensors, at::Device device);

}  // namespace depthscope
