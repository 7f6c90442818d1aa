#include "core/io/summarize.h"

#include <ATen/ATen.h>

#include "core/io/weight_slots.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {

namespace {

std::int64_t& bucket(ParameterCounts& p, WeightComponent c) {
  switch (c) {
    case WeightComponent::embeddings: return p.embeddings;
    case WeightComponent::attention: return p.attention;
    case WeightComponent::mlp: return p.mlp;
    case WeightComponent::norms: return p.norms;
    case WeightComponent::head: return p.head;
  }
  return p.norms;
}

std::string tokenizer_description(const std::string& path) {
  try {
    const std::unique_ptr<Tokenizer> t = find_tokenizer_for(path);
    if (!t) return "none found beside the checkpoint";
    return t->description() + ", " + std::to_string(t->vocab_size()) + " tokens";
  } catch (const std::exception& e) {
    return std::string("unreadable: ") + e.what();
  }
}

}  // namespace

ModelSummary summarize(const LoadedCheckpoint& ck) {
  const ModelConfig& c = ck.config;
  const ModelWeights& w = ck.weights;
  ModelSummary s;
  s.family = to_string(c.family);
  s.scheme = display_name(SchemeChoice{c.norm_scheme, c.gpas});
  s.path = ck.path;
  s.format = ck.format;
  s.source_dtype = ck.source_dtype;
  s.hidden_size = c.hidden_size;
  s.intermediate_size = c.intermediate_size;
  s.num_layers = c.num_layers;
  s.num_heads = c.num_heads;
  s.num_kv_heads = c.num_kv_heads;
  s.head_dim = c.resolved_head_dim();
  s.vocab_size = c.vocab_size;
  s.max_position = c.max_position;
  s.tied_embeddings = c.tie_word_embeddings;

  for (const ModelSlot& m : model_slots()) {
    const at::Tensor& t = w.*(m.member);
    if (!t.defined()) continue;
    if (m.member == &ModelWeights::lm_head && (c.tie_word_embeddings || t.is_same(w.tok_embeddings)))
      continue;  // tied: counted once, as the embedding
    bucket(s.parameters, m.component) += t.numel();
  }
  for (const LayerWeights& lw : w.layers) {
    std::int64_t layer_total = 0;
    for (const LayerSlot& m : layer_slots()) {
      const at::Tensor& t = lw.*(m.member);
      if (!t.defined()) continue;
      bucket(s.parameters, m.component) += t.numel();
      layer_total += t.numel();
    }
    s.layer_parameters.push_back(layer_total);
  }
  s.memory_bytes = 4 * s.parameters.total();
  s.held_bytes = weight_bytes_in_memory(w);
  s.tokenizer = tokenizer_description(ck.path);
  return s;
}

}  // namespace depthscope
