#include "core/train/presets.h"

#include "core/error.h"

namespace depthscope {

namespace {

// A Llama-style config as the paper trains it: RMSNorm, SwiGLU, RoPE, no biases, vocab 32000
// (replaced by the corpus tokenizer's vocabulary when training on a corpus).
ModelConfig llama(std::int64_t layers, std::int64_t hidden, std::int64_t ffn, std::int64_t heads) {
  ModelConfig c;
  c.family = ModelFamily::llama;
  c.vocab_size = 32000;
  c.num_layers = layers;
  c.hidden_size = hidden;
  c.intermediate_size = ffn;
  c.num_heads = heads;
  c.num_kv_heads = heads;
  c.max_position = 256;  // the paper's sequence length; a spec's seq replaces it
  c.tie_word_embeddings = false;
  return c;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"llama-130m", "paper: LLaMA-130M (12 x 768, FFN 2048, 12 heads)", llama(12, 768, 2048, 12)},
      {"llama-250m", "paper: LLaMA-250M (24 x 768, FFN 2560, 16 heads)", llama(24, 768, 2560, 16)},
      {"llama-350m", "paper: LLaMA-350M (24 x 1024, FFN 2736, 16 heads)", llama(24, 1024, 2736, 16)},
      {"llama-1b", "paper: LLaMA-1B (24 x 2048, FFN 5461, 32 heads)", llama(24, 2048, 5461, 32)},
      {"llama-7b", "paper: LLaMA-7B (32 x 4096, FFN 11008, 32 heads)", llama(32, 4096, 11008, 32)},
      {"tiny", "CPU: 4 layers x 128, FFN 344, 4 heads", llama(4, 128, 344, 4)},
      {"deep-narrow", "CPU: 24 layers x 96, FFN 256, 3 heads (depth effects in minutes)", llama(24, 96, 256, 3)},
      {"small", "CPU: 12 layers x 256, FFN 688, 4 heads", llama(12, 256, 688, 4)},
  };
  return all;
}

ModelConfig preset_config(const std::string& name) {
  std::string known;
  for (const Preset& p : presets()) {
    if (p.name == name) return p.config;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw UsageError("unknown model preset \"" + name + "\" (known: " + known + ")");
}

}  // namespace depthscope
