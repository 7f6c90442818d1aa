#pragma once
// Hugging Face config.json <-> ModelConfig. Torch-free.
//
// Reads model_type llama, mistral, qwen2, qwen3, gpt2, olmo2, gemma2, gemma3_text and phi3 with
// the keys their Hugging Face configuration classes use (and the same defaults where a key may be absent), plus
// DepthScope's own keys ("depthscope_norm_scheme", "depthscope_mix_alpha", ...; see
// docs/checkpoints.md). Writing produces the family's standard keys and adds DepthScope keys
// only for what the standard keys cannot say, so a Pre-LN Llama is a plain Llama config (and an
// OLMo 2 with its own output-norm placement a plain OLMo 2 config, a Gemma with sandwich norms a
// plain Gemma config). What DepthScope does not implement is refused by key: RoPE scaling (Phi-3's
// longrope/su named), partial rotary, Gemma 3's bidirectional attention.
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "core/model/config.h"

namespace depthscope {

// model_type values the reader accepts.
const std::vector<std::string>& supported_model_types();

// `file` names the source in errors (FileError(file, key, problem)).
ModelConfig parse_hf_config(const nlohmann::json& j, const std::string& file);
ModelConfig parse_hf_config_text(const std::string& text, const std::string& file);
ModelConfig load_hf_config(const std::string& path);

nlohmann::ordered_json hf_config_json(const ModelConfig& c);
std::string hf_config_text(const ModelConfig& c);  // pretty-printed JSON
void save_hf_config(const std::string& path, const ModelConfig& c);

}  // namespace depthscope
