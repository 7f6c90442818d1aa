#pragma once
// Model shapes to train: the paper's LLaMA sizes (docs/paper.md, "Model configurations") and
// CPU-sized ones. Torch-free (the GUI lists them).
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.h"

namespace depthscope {

struct Preset {
  std::string name;         // "llama-130m", "tiny", ...
  std::string description;  // "paper: LLaMA-130M", "CPU: 4 layers x 128", ...
  ModelConfig config;       // Llama family, RMSNorm, SwiGLU, RoPE, no biases, untied head
};

// Every preset, paper sizes first.
const std::vector<Preset>& presets();

// The preset's config; throws UsageError naming the unknown preset and listing the known ones.
ModelConfig preset_config(const std::string& name);

}  // namespace depthscope
