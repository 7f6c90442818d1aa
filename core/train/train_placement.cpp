#include "core/train/train_placement.h"

#include <ATen/ATen.h>

namespace depthscope {

ModelWeights weights_to(const ModelWeights& weights, const ModelConfig& config, at::Device device) {
  ModelWeights out = weights;  // shares the tensors; each is replaced by its copy on `device`
  for (auto& [name, t] : named_tensors(out, config)) *t = t->to(device);
  if (config.tie_word_embeddings) out.lm_head = out.tok_embeddings;
  return out;
}

NamedTensors tensors_to(const NamedTensors& tensors, at::Device device) {
  NamedTensors out;
  out.reserve(tensors.size());
  for (const auto& [name, t] : tensors) out.emplace_back(name, t.to(device));
  return out;
}

}  // namespace depthscope
