#include "core/io/phi3_layout.h"

#include <ATen/ATen.h>

#include "core/error.h"

namespace depthscope {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The layer index of "model.layers.N.<rest>", or -1.
std::int64_t layer_of(const std::string& name, const std::string& rest) {
  const std::string prefix = "model.layers.";
  if (name.rfind(prefix, 0) != 0 || !ends_with(name, "." + rest)) return -1;
  const std::string index = name.substr(prefix.size(), name.size() - prefix.size() - rest.size() - 1);
  if (index.empty() || index.size() > 6 || index.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(index);
}

}  // namespace

bool assign_phi3_fused(const ModelConfig& c, ModelWeights& w, const std::string& file, const std::string& stored,
                       const at::Tensor& t, std::map<const at::Tensor*, std::string>& filled) {
  const bool qkv = ends_with(stored, ".self_attn.qkv_proj.weight");
  if (!qkv && !ends_with(stored, ".mlp.gate_up_proj.weight")) return false;
  const std::int64_t layer = layer_of(stored, qkv ? "self_attn.qkv_proj.weight" : "mlp.gate_up_proj.weight");
  const std::string field = "tensor '" + stored + "'";
  if (layer < 0 || layer >= c.num_layers)
    throw FileError(file, field, "is not in one of the config's " + std::to_string(c.num_layers) + " layers");
  LayerWeights& lw = w.layers[static_cast<std::size_t>(layer)];
  const std::int64_t hd = c.resolved_head_dim(), q = c.num_heads * hd, kv = c.num_kv_heads * hd;
  const std::int64_t ff = c.intermediate_size, d = c.hidden_size;
  const std::int64_t rows = qkv ? q + 2 * kv : 2 * ff;
  if (t.dim() != 2 || t.size(0) != rows || t.size(1) != d)
    throw FileError(file, field,
                    "expected shape [" + std::to_string(rows) + ", " + std::to_string(d) + "] (" +
                        (qkv ? "q + 2 kv rows" : "gate + up rows") + "), got " + std::to_string(t.dim()) + "-D " +
                        (t.dim() == 2 ? "[" + std::to_string(t.size(0)) + ", " + std::to_string(t.size(1)) + "]" : ""));
  // Row ranges: views of the stored tensor.
  auto fill = [&](at::Tensor& slot, std::int64_t first, std::int64_t count) {
    if (slot.defined()) throw FileError(file, field, "appears twice");
    slot = t.narrow(0, first, count);  // [count, d]
    filled[&slot] = stored;
  };
  if (qkv) {
    fill(lw.wq, 0, q);
    fill(lw.wk, q, kv);
    fill(lw.wv, q + kv, kv);
  } else {
    fill(lw.w_gate, 0, ff);  // chunk(2)'s first half is the gate (Phi3MLP)
    fill(lw.w_up, ff, ff);
  }
  return true;
}

NamedTensors phi3_fused_tensors(const ModelConfig& c, const NamedTensors& canonical) {
  std::map<std::string, at::Tensor> by_name(canonical.begin(), canonical.end());
  NamedTensors out;
  for (const auto& [name, t] : canonical) {
    const std::string stem = name.substr(0, name.rfind('.', name.rfind('.') - 1) + 1);  // "model.layers.N.self_attn."
    if (ends_with(name, ".self_attn.q_proj.weight"))
      out.emplace_back(stem + "qkv_proj.weight", at::cat({t, by_name.at(stem + "k_proj.weight"),
                                                          by_name.at(stem + "v_proj.weight")}, 0));  // [q + 2kv, d]
    else if (ends_with(name, ".mlp.gate_proj.weight"))
      out.emplace_back(stem + "gate_up_proj.weight", at::cat({t, by_name.at(stem + "up_proj.weight")}, 0));  // [2ff, d]
    else if (!ends_with(name, ".self_attn.k_proj.weight") && !ends_with(name, ".self_attn.v_proj.weight") &&
             !ends_with(name, ".mlp.up_proj.weight"))
      out.emplace_back(name, t);
  }
  return out;
}

}  // namespace depthscope
