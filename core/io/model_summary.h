#pragma once
// What the GUI and `depthscope-cli inspect` show about an opened checkpoint. Torch-free and
// Qt-free: plain values only, so Qt code can include it. Filled by summarize()
// (core/io/summarize.h).
#include <cstdint>
#include <string>
#include <vector>

namespace depthscope {

struct ParameterCounts {
  std::int64_t embeddings = 0;  // token (+ learned position) embeddings
  std::int64_t attention = 0;   // q/k/v/o weights and biases (+ LayerScale lambda of attention)
  std::int64_t mlp = 0;         // gate/up/down weights and biases (+ LayerScale lambda of the MLP)
  std::int64_t norms = 0;       // every normalisation gain and bias, incl. q/k norms and the final norm
  std::int64_t head = 0;        // LM head; 0 when tied to the embeddings
  std::int64_t total() const { return embeddings + attention + mlp + norms + head; }
};

struct ModelSummary {
  std::string family;        // "llama", "qwen2", "qwen3", "gpt2"
  std::string scheme;        // display name: "Pre-LN", "LNS", ...
  std::string path;
  std::string format;        // "hf-safetensors", "llama2c-v0", ...
  std::string source_dtype;  // "F32", "F16", "BF16", "F16+F32"
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t vocab_size = 0;
  std::int64_t max_position = 0;
  bool tied_embeddings = false;
  ParameterCounts parameters;
  std::vector<std::int64_t> layer_parameters;  // [l - 1] = parameters of layer l, l = 1..L
  std::string tokenizer;                       // description, or why there is none
  std::int64_t memory_bytes = 0;               // weights as float32
  std::int64_t held_bytes = 0;                 // weights as held: F16/BF16 stay 2 bytes (widened per layer)
};

}  // namespace depthscope
