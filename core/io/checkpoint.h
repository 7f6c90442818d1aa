#pragma once
// Opening and saving whole checkpoints.
//
// Accepted inputs (format names as reported in LoadedCheckpoint::format):
//   "hf-safetensors"                 an HF folder with config.json + model.safetensors
//                                    (or the .safetensors file itself, config.json beside it)
//   "hf-sharded"                     an HF folder with model.safetensors.index.json + shards
//   "safetensors+depthscope-config"  one .safetensors whose __metadata__ holds the config
//                                    (key "depthscope_config": config.json text)
//   "llama2c-v0", "llama2c-v1"       llama2.c .bin checkpoints (q/k rows permuted on import)
//   "gguf"                           llama.cpp's .gguf (architectures llama, qwen2; quantised layer
//                                    matrices kept as blocks, dequantised per layer: core/io/gguf_model.h)
// Families: llama / mistral, qwen2, qwen3 (HF Llama names) and gpt2 (HF GPT-2 names,
// Conv1D transposed, fused c_attn split); scheme-specific tensors use the names of
// named_tensors() (core/model/weights.h). Safetensors weights keep the file's dtype (F32,
// F16, BF16) as views of the read-only mapping; the Transformer widens them to float32 one
// layer at a time (float32_layer), and clone_weights makes owned float32 copies for training.
// llama2.c files are float32.
#include <ATen/core/Tensor.h>

#include <string>

#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/model/weights.h"
#include "core/runtime/progress.h"

namespace depthscope {

struct LoadedCheckpoint {
  ModelConfig config;
  ModelWeights weights;
  std::string path;          // what was opened
  std::string format;        // see above
  std::string source_dtype;  // "F32", "F16", "BF16" or e.g. "F16+F32" when mixed
};

// Reports progress per tensor and checks for cancellation between tensors. Throws FileError
// naming the file and field for anything malformed, missing or inconsistent.
LoadedCheckpoint load_checkpoint(const std::string& path, const RunControl& control = RunControl());

// The tensors as they are stored in an HF-layout file for `c` (GPT-2 names and Conv1D
// layout for the gpt2 family; canonical names otherwise). Tied heads are omitted.
NamedTensors hf_named_tensors(const ModelConfig& c, const ModelWeights& w);

// An HF folder: model.safetensors + config.json (created if missing). Any family/scheme.
// Tensors are stored as `dtype` (F32 by default; F16/BF16 halve the file).
void save_hf(const std::string& folder, const ModelConfig& c, const ModelWeights& w,
             SafetensorsDtype dtype = SafetensorsDtype::f32);

// One .safetensors with the config in __metadata__["depthscope_config"].
void save_depthscope_safetensors(const std::string& path, const ModelConfig& c, const ModelWeights& w,
                                 SafetensorsDtype dtype = SafetensorsDtype::f32);

// llama2.c .bin, version 0 (legacy) or 1 ("ak42" header). Only a Pre-LN Llama without
// biases or q/k norms, head_dim = hidden / heads and RoPE theta 10000 can be expressed;
// anything else throws UsageError saying why.
void save_llama2c(const std::string& path, const ModelConfig& c, const ModelWeights& w, int version = 0);

}  // namespace depthscope
