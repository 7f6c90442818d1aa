#pragma once
// The tensors of a Transformer, by role. Linear weights are [out, in] (nn.Linear layout);
// importers transpose GPT-2's Conv1D [in, out] and split its fused c_attn. RoPE q/k rows
// are in the Hugging Face (rotate-halves) order; llama2.c files are permuted on import.
// An undefined tensor means "absent" (no bias, no q/k norm, ...).
#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "core/model/config.h"

namespace depthscope {

struct LayerWeights {
  at::Tensor attn_norm_w, attn_norm_b;  // [d]
  at::Tensor wq, wk, wv, wo;            // [H*hd, d], [KV*hd, d], [KV*hd, d], [d, H*hd]
  at::Tensor bq, bk, bv, bo;            // [H*hd], [KV*hd], [KV*hd], [d]   (optional)
  at::Tensor q_norm_w, k_norm_w;        // [hd] per-head RMSNorm (Qwen3); [H*hd], [KV*hd] whole-projection (OLMo 2)
  at::Tensor mlp_norm_w, mlp_norm_b;    // [d]
  at::Tensor w_gate, w_up, w_down;      // gated: [ff, d], [ff, d], [d, ff]; ungated: w_up = fc, w_down = proj
  at::Tensor b_up, b_down;              // [ff], [d]  (GPT-2)
  at::Tensor attn_out_norm_w, attn_out_norm_b;  // sandwich: norm on the attention output [d]
  at::Tensor mlp_out_norm_w, mlp_out_norm_b;    // sandwich: norm on the MLP output [d]
  at::Tensor attn_scale, mlp_scale;             // residual scales: LayerScale lambda [d], SkipInit a [1]
  at::Tensor v_norm_w;                          // [hd] per-head RMSNorm on v (HybridNorm)
  at::Tensor attn_norm_alpha, mlp_norm_alpha;   // DyT: alpha [1] beside attn_norm_w / mlp_norm_w
  at::Tensor gpas_gate;                         // GPAS: g_l [1]
};

struct ModelWeights {
  at::Tensor tok_embeddings;            // [V, d]
  at::Tensor pos_embeddings;            // [max_position, d]  (learned positions only)
  std::vector<LayerWeights> layers;     // L entries; layers[l-1] is paper layer l
  at::Tensor final_norm_w, final_norm_b;  // [d]
  at::Tensor lm_head;                   // [V, d]; aliases tok_embeddings when tied
  at::Tensor embed_norm_w;              // Peri-LN: RMSNorm weight on the embedding output [d]
  at::Tensor embed_scale;               // DyT: the embeddings' scalar multiplier [1]
  at::Tensor final_norm_alpha;          // DyT: alpha [1] of the final norm
};

// Every defined tensor with its canonical DepthScope name, which is the Hugging Face Llama
// name ("model.layers.0.self_attn.q_proj.weight", "lm_head.weight", ...) plus
// DepthScope's own keys for scheme-specific tensors ("...attn_out_norm.weight",
// "...attn_layerscale"). OLMo 2 (family olmo2) keeps its own names for the output norms,
// "...post_attention_layernorm.weight" (attention) and "...post_feedforward_layernorm.weight"
// (MLP); an FFN input norm is then "...pre_feedforward_layernorm.weight". A tied head is
// listed once (as the embedding).
std::vector<std::pair<std::string, at::Tensor*>> named_tensors(ModelWeights& w, const ModelConfig& c);

// A deep copy that owns its memory (float32, contiguous), for anything that modifies weights
// in place: tensors loaded from a checkpoint alias a read-only file mapping and keep the
// file's dtype (F16/BF16 stay 2 bytes per element). A tied head stays tied (lm_head aliases
// the copied embedding).
ModelWeights clone_weights(const ModelWeights& w, const ModelConfig& c);

// Weights for compute, widened to float32 only while they are used. A float32 tensor comes
// back as it is (no copy, same storage, autograd intact); an F16/BF16 tensor (a checkpoint
// kept in its file dtype) is widened exactly into a new float32 tensor that is freed when
// the last handle to it goes. The Transformer widens one layer per block and the head per
// call, so at most one layer's float32 copy exists per running block, never the whole model.
// Freed copies go back to a buffer pool for the next layer (core/model/widening_pool.h).
at::Tensor float32_weight(const at::Tensor& t);
LayerWeights float32_layer(const LayerWeights& lw);
// float32_layer, except that GGUF-quantised matrices stay as they are (quantised_weight.h
// quantised_linear: the row kernels dequantise them a panel at a time).
LayerWeights float32_layer_keeping_quantised(const LayerWeights& lw);
// A contiguous float32 buffer of `numel` from the pool float32_weight uses, counted among the
// widened bytes while it lives.
at::Tensor pooled_float32_buffer(std::int64_t numel);

// Bytes of float32 copies made by float32_weight that are alive now, and the most alive at
// once since the last reset (process-wide; for tests and benchmarks of the per-layer bound).
std::int64_t widened_bytes_live();
std::int64_t widened_bytes_peak();
void reset_widened_bytes_peak();

// Bytes the weights take in memory as they are held (a tied head counted once).
std::int64_t weight_bytes_in_memory(const ModelWeights& w);

// Throws FileError(source, name, ...) when a tensor the config requires is missing or has the
// wrong shape. `source` names the file the weights came from.
void check_weights(const ModelWeights& w, const ModelConfig& c, const std::string& source);

}  // namespace depthscope
