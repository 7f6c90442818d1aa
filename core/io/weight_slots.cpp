#include "core/io/weight_slots.h"

#include <ATen/ATen.h>

namespace depthscope {

const std::vector<LayerSlot>& layer_slots() {
  using C = WeightComponent;
  using L = LayerWeights;
  static const std::vector<LayerSlot> slots = {
      {&L::attn_norm_w, C::norms},     {&L::attn_norm_b, C::norms},
      {&L::wq, C::attention},          {&L::wk, C::attention},
      {&L::wv, C::attention},          {&L::wo, C::attention},
      {&L::bq, C::attention},          {&L::bk, C::attention},
      {&L::bv, C::attention},          {&L::bo, C::attention},
      {&L::q_norm_w, C::norms},        {&L::k_norm_w, C::norms},
      {&L::mlp_norm_w, C::norms},      {&L::mlp_norm_b, C::norms},
      {&L::w_gate, C::mlp},            {&L::w_up, C::mlp},
      {&L::w_down, C::mlp},            {&L::b_up, C::mlp},
      {&L::b_down, C::mlp},            {&L::attn_out_norm_w, C::norms},
      {&L::attn_out_norm_b, C::norms}, {&L::mlp_out_norm_w, C::norms},
      {&L::mlp_out_norm_b, C::norms},  {&L::attn_scale, C::attention},
      {&L::mlp_scale, C::mlp},         {&L::v_norm_w, C::norms},
      {&L::attn_norm_alpha, C::norms}, {&L::mlp_norm_alpha, C::norms},
      {&L::gpas_gate, C::norms},
  };
  return slots;
}

const std::vector<ModelSlot>& model_slots() {
  using C = WeightComponent;
  using M = ModelWeights;
  static const std::vector<ModelSlot> slots = {
      {&M::tok_embeddings, C::embeddings}, {&M::pos_embeddings, C::embeddings},
      {&M::final_norm_w, C::norms},        {&M::final_norm_b, C::norms},
      {&M::lm_head, C::head},              {&M::embed_norm_w, C::norms},
      {&M::embed_scale, C::embeddings},    {&M::final_norm_alpha, C::norms},
  };
  return slots;
}

at::Tensor& slot_tensor(ModelWeights& w, const SlotRef& s) {
  if (s.layer == 0) return w.*(model_slots()[s.index].member);
  return w.layers[static_cast<std::size_t>(s.layer - 1)].*(layer_slots()[s.index].member);
}

bool find_slot(ModelWeights& w, const at::Tensor* t, SlotRef& out) {
  for (std::size_t i = 0; i < model_slots().size(); ++i)
    if (&(w.*(model_slots()[i].member)) == t) {
      out = SlotRef{0, i};
      return true;
    }
  for (std::size_t l = 0; l < w.layers.size(); ++l)
    for (std::size_t i = 0; i < layer_slots().size(); ++i)
      if (&(w.layers[l].*(layer_slots()[i].member)) == t) {
        out = SlotRef{static_cast<std::int64_t>(l + 1), i};
        return true;
      }
  return false;
}

std::vector<std::pair<std::string, SlotRef>> canonical_slots(const ModelConfig& c) {
  // Fill every slot with a distinct placeholder, ask named_tensors() for the names, and map
  // the returned addresses back to slots.
  ModelWeights probe;
  probe.layers.resize(static_cast<std::size_t>(c.num_layers));
  for (const ModelSlot& s : model_slots()) probe.*(s.member) = at::empty({0});
  for (LayerWeights& lw : probe.layers)
    for (const LayerSlot& s : layer_slots()) lw.*(s.member) = at::empty({0});
  std::vector<std::pair<std::string, SlotRef>> out;
  for (const auto& [name, tensor] : named_tensors(probe, c)) {
    SlotRef ref;
    if (find_slot(probe, tensor, ref)) out.emplace_back(name, ref);
  }
  return out;
}

}  // namespace depthscope
