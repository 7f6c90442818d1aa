#pragma once
// Phi-3's fused tensors (Hugging Face's modeling_phi3.py): per layer
//   self_attn.qkv_proj.weight  [(H + 2 KV) hd, d] = q_proj [H hd] | k_proj [KV hd] | v_proj [KV hd] rows
//   mlp.gate_up_proj.weight    [2 ff, d]          = gate_proj [ff] | up_proj [ff] rows
// On load they are split into DepthScope's q/k/v and gate/up slots as row ranges (narrow: views
// of the file's tensor, no copy when it is mapped); on save they are fused again.
#include <ATen/core/Tensor.h>

#include <map>
#include <string>

#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/model/weights.h"

namespace depthscope {

// Fills the slots of `stored` (a Phi-3 fused tensor name) from t and notes them in `filled`
// (slot -> stored name). False when `stored` is not a fused name. Throws FileError naming the
// file and tensor when its shape does not split as the config says, or it appears twice.
bool assign_phi3_fused(const ModelConfig& c, ModelWeights& w, const std::string& file, const std::string& stored,
                       const at::Tensor& t, std::map<const at::Tensor*, std::string>& filled);

// DepthScope's canonical tensors with each layer's q/k/v and gate/up replaced by Phi-3's fused
// tensors, in the canonical order.
NamedTensors phi3_fused_tensors(const ModelConfig& c, const NamedTensors& canonical);

}  // namespace depthscope
