#pragma once
// Every tensor slot of ModelWeights / LayerWeights as a member pointer, with the component
// it belongs to. Lets importers and the summary walk the weights without listing members
// by hand in each place, and maps canonical names (named_tensors(), core/model/weights.h)
// back to slots when loading.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/model/weights.h"

namespace depthscope {

enum class WeightComponent { embeddings, attention, mlp, norms, head };

struct LayerSlot {
  at::Tensor LayerWeights::*member;
  WeightComponent component;
};
struct ModelSlot {
  at::Tensor ModelWeights::*member;
  WeightComponent component;
};

const std::vector<LayerSlot>& layer_slots();
const std::vector<ModelSlot>& model_slots();

// One slot of a model: a top-level tensor (layer == 0) or a tensor of layer `layer` (1..L).
struct SlotRef {
  std::int64_t layer = 0;
  std::size_t index = 0;  // into model_slots() (layer 0) or layer_slots()
};
at::Tensor& slot_tensor(ModelWeights& w, const SlotRef& s);

// The canonical name of every slot named_tensors() would list for `c` when all slots are
// filled (a tied head is listed once, as the embedding).
std::vector<std::pair<std::string, SlotRef>> canonical_slots(const ModelConfig& c);

// Which slot `t` is (by address) inside `w`; false when it is none of them.
bool find_slot(ModelWeights& w, const at::Tensor* t, SlotRef& out);

}  // namespace depthscope
