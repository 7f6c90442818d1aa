#include "core/model/model_placement.h"

#include <ATen/ATen.h>

#include <map>

#include "core/io/weight_slots.h"
#include "core/model/quantised_weight.h"

namespace depthscope {

ModelWeights weights_on(const ModelWeights& w, at::Device device) {
  std::map<const void*, at::Tensor> moved;  // TensorImpl -> its copy, so aliases stay aliases
  auto place = [&](const at::Tensor& t) -> at::Tensor {
    // GGUF blocks stay in the mapping on the CPU; elsewhere they go as float32 (quantised_weight.h).
    if (!t.defined() || t.device() == device || (device.is_cpu() && is_quantised_weight(t))) return t;
    auto [it, fresh] = moved.emplace(t.unsafeGetTensorImpl(), at::Tensor());
    if (fresh) it->second = dequantised_weight(t).to(device);  // same dtype and shape
    return it->second;
  };
  ModelWeights out = w;
  for (const ModelSlot& s : model_slots()) out.*(s.member) = place(w.*(s.member));
  for (std::size_t l = 0; l < w.layers.size(); ++l)
    for (const LayerSlot& s : layer_slots()) out.layers[l].*(s.member) = place(w.layers[l].*(s.member));
  return out;
}

Transformer model_on(const Transformer& model, at::Device device) {
  return Transformer(model.config(), weights_on(model.weights(), device));
}

}  // namespace depthscope
