#pragma once
// GGUF checkpoints (llama.cpp) as DepthScope models. Architectures (general.architecture):
//   llama  Llama / Mistral layout; llama.cpp's converter stores the q and k rows permuted for
//          its adjacent-pair RoPE, which is undone here (DepthScope rotates halves)
//   qwen2  q/k/v biases, rotate-halves (NEOX) RoPE already, no permutation
// Hyperparameters come from the `<arch>.*` keys; llama.cpp's tensor names map onto the model
// (token_embd, blk.N.attn_norm / attn_q / attn_k / attn_v / attn_output / ffn_norm /
// ffn_gate / ffn_up / ffn_down, output_norm, output; no `output` means a tied head).
// F32/F16/BF16 tensors stay in the file's dtype as views of the mapping (widened per layer
// as safetensors are). Quantised layer matrices stay quantised in the mapping and are
// dequantised one layer at a time as the forward uses them (core/model/quantised_weight.h);
// quantised token_embd / output (looked up and used whole) are dequantised to float32 here.
#include <string>

#include "core/io/checkpoint.h"
#include "core/io/gguf_header.h"

namespace depthscope {

// The model config the header describes; FileError naming the key for anything missing,
// out of range or not supported (another architecture, partial RoPE, RoPE scaling).
ModelConfig gguf_model_config(const GgufHeader& h);

// Opens a .gguf checkpoint (format "gguf"; source_dtype lists the tensor types, e.g.
// "Q4_K+Q6_K+F32").
LoadedCheckpoint load_gguf(const std::string& path, const RunControl& control = RunControl());

}  // namespace depthscope
