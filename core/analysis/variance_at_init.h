#pragma once
// "Depth at a glance": residual-stream variance by layer for a freshly initialised model.
// Torch-free header (the GUI includes it).
#include <cstdint>
#include <functional>
#include <vector>

#include "core/model/config.h"
#include "core/runtime/device_choice.h"
#include "core/runtime/progress.h"

namespace depthscope {

struct LayerVariance {
  std::int64_t layer = 0;         // 1..L
  double input_variance = 0;      // Var(x_l): all elements of the block input
  double output_variance = 0;     // Var(x_{l+1}): all elements of the block output
};

struct VarianceAtInitRequest {
  std::int64_t layers = 48;
  std::int64_t width = 256;       // d_model; heads = max(1, width / 64), FFN = 8/3 width rounded to 8
  NormScheme scheme = NormScheme::pre;
  std::int64_t vocab = 1000;
  std::int64_t batch = 4;
  std::int64_t seq_len = 64;
  std::uint64_t seed = 0;
  ComputeDevice device;           // where the model runs (checked by the caller: require_device)
};

// The small Llama-style config used for a request (also shown in the GUI).
ModelConfig variance_at_init_config(const VarianceAtInitRequest& r);

// Random model (paper init, drawn on the CPU so every device sees the same weights), random
// tokens, one forward on r.device; on_layer is called for each layer as
// soon as its output is known (in layer order, on the calling thread).
std::vector<LayerVariance> variance_at_init(
    const VarianceAtInitRequest& r, const RunControl& control = RunControl(),
    const std::function<void(const LayerVariance&)>& on_layer = {});

}  // namespace depthscope
