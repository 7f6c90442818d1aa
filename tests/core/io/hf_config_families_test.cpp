// config.json defaults of the Gemma and Phi-3 families: keys left out take the values of
// Hugging Face's Gemma2Config, Gemma3TextConfig and Phi3Config; written configs read back the same.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/hf_config.h"

namespace depthscope {
namespace {

nlohmann::json minimal(const std::string& type, std::int64_t layers) {
  return {{"model_type", type},  {"hidden_size", 64},        {"intermediate_size", 96},
          {"num_hidden_layers", layers}, {"num_attention_heads", 4}, {"vocab_size", 100}};
}

TEST(HfConfigFamilies, Gemma2DefaultsAreGemma2Configs) {
  const ModelConfig c = parse_hf_config(minimal("gemma2", 4), "config.json");
  EXPECT_EQ(c.family, ModelFamily::gemma2);
  EXPECT_EQ(c.norm_scheme, NormScheme::sandwich);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.query_pre_attn_scalar, 256);
  EXPECT_EQ(c.attn_softcap, 50.0);
  EXPECT_EQ(c.final_softcap, 30.0);
  EXPECT_EQ(c.sliding_window, 4096);
  EXPECT_EQ(c.sliding_layers, (std::vector<bool>{true, false, true, false}));
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.rope_theta, 10000.0);
  EXPECT_EQ(parse_hf_config(hf_config_json(c), "written").sliding_layers, c.sliding_layers);
}

TEST(HfConfigFamilies, Gemma3TextDefaultsAreGemma3TextConfigs) {
  const ModelConfig c = parse_hf_config(minimal("gemma3_text", 7), "config.json");
  EXPECT_EQ(c.family, ModelFamily::gemma3);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.rope_theta, 1e6);
  EXPECT_EQ(c.rope_local_theta, 10000.0);
  EXPECT_EQ(c.attn_softcap, 0);
  EXPECT_EQ(c.final_softcap, 0);
  // sliding_window_pattern 6: layer 5 (0-based) is global.
  EXPECT_EQ(c.sliding_layers, (std::vector<bool>{true, true, true, true, true, false, true}));
  const ModelConfig back = parse_hf_config(hf_config_json(c), "written");
  EXPECT_EQ(back.sliding_layers, c.sliding_layers);
  EXPECT_EQ(back.rope_local_theta, c.rope_local_theta);
  nlohmann::json bad = minimal("gemma3_text", 2);
  bad["layer_types"] = {"sliding_attention"};
  EXPECT_THROW(parse_hf_config(bad, "config.json"), FileError);
  bad["layer_types"] = {"sliding_attention", "chunked_attention"};
  EXPECT_THROW(parse_hf_config(bad, "config.json"), FileError);
}

TEST(HfConfigFamilies, Phi3DefaultsArePhi3Configs) {
  nlohmann::json j = minimal("phi3", 2);
  ModelConfig c = parse_hf_config(j, "config.json");
  EXPECT_EQ(c.family, ModelFamily::phi3);
  EXPECT_EQ(c.norm_scheme, NormScheme::pre);
  EXPECT_EQ(c.norm_eps, 1e-5);
  EXPECT_TRUE(c.sliding_layers.empty());
  j["sliding_window"] = 2047;
  c = parse_hf_config(j, "config.json");
  EXPECT_EQ(c.sliding_layers, (std::vector<bool>{true, true}));
  EXPECT_EQ(parse_hf_config(hf_config_json(c), "written").sliding_window, 2047);
  j["partial_rotary_factor"] = 0.75;
  EXPECT_THROW(parse_hf_config(j, "config.json"), FileError);
}

}  // namespace
}  // namespace depthscope
