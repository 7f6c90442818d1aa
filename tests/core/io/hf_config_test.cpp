// config.json <-> ModelConfig for every supported family, DepthScope's own keys, and errors
// that name the file and the key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/hf_config.h"

namespace depthscope {
namespace {

using json = nlohmann::json;

const char* kLlama = R"({"model_type":"llama","hidden_size":64,"intermediate_size":160,"num_hidden_layers":3,
  "num_attention_heads":4,"num_key_value_heads":2,"vocab_size":300,"max_position_embeddings":128,
  "rms_norm_eps":1e-5,"rope_theta":10000.0,"tie_word_embeddings":false,"bos_token_id":1,"eos_token_id":2})";

FileError config_error(const std::string& text) {
  try {
    parse_hf_config_text(text, "config.json");
  } catch (const FileError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a FileError for " << text;
  return FileError("", "", "");
}

TEST(HfConfig, Llama) {
  const ModelConfig c = parse_hf_config_text(kLlama, "config.json");
  EXPECT_EQ(c.family, ModelFamily::llama);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.intermediate_size, 160);
  EXPECT_EQ(c.num_layers, 3);
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_EQ(c.resolved_head_dim(), 16);
  EXPECT_EQ(c.vocab_size, 300);
  EXPECT_EQ(c.max_position, 128);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-5);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_EQ(c.norm_kind, NormKind::rms);
  EXPECT_EQ(c.positions, PositionKind::rope);
  EXPECT_TRUE(c.gated_mlp);
  EXPECT_EQ(c.norm_scheme, NormScheme::pre);
}

TEST(HfConfig, MistralIsLlamaFamily) {
  json j = json::parse(kLlama);
  j["model_type"] = "mistral";
  j["sliding_window"] = 4096;
  EXPECT_EQ(parse_hf_config(j, "config.json").family, ModelFamily::llama);
}

TEST(HfConfig, Qwen2HasQkvBiasesAndNoOutBias) {
  json j = json::parse(kLlama);
  j["model_type"] = "qwen2";
  j["rope_theta"] = 1e6;
  const ModelConfig c = parse_hf_config(j, "config.json");
  EXPECT_EQ(c.family, ModelFamily::qwen2);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_FALSE(c.out_bias);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
}

TEST(HfConfig, Qwen3HasQkNormAndExplicitHeadDim) {
  json j = json::parse(kLlama);
  j["model_type"] = "qwen3";
  j["head_dim"] = 32;
  const ModelConfig c = parse_hf_config(j, "config.json");
  EXPECT_EQ(c.family, ModelFamily::qwen3);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.resolved_head_dim(), 32);
  EXPECT_FALSE(c.qkv_bias);
}

TEST(HfConfig, Olmo2HasOutputNormsAndWholeProjectionQkNorms) {
  json j = json::parse(kLlama);
  j["model_type"] = "olmo2";
  j["architectures"] = {"Olmo2ForCausalLM"};
  j["rope_theta"] = 500000.0;
  j.erase("rms_norm_eps");
  const ModelConfig c = parse_hf_config(j, "config.json");
  EXPECT_EQ(c.family, ModelFamily::olmo2);
  EXPECT_EQ(c.norm_scheme, NormScheme::output);
  EXPECT_TRUE(c.qk_norm_full);
  EXPECT_FALSE(c.qk_norm);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-5);  // Olmo2Config's default
  // Written back: a plain OLMo 2 config, no DepthScope keys.
  const auto back = hf_config_json(c);
  EXPECT_EQ(back.at("model_type"), "olmo2");
  EXPECT_EQ(back.at("architectures"), nlohmann::ordered_json::array({"Olmo2ForCausalLM"}));
  for (const auto& [key, value] : back.items()) EXPECT_EQ(key.rfind("depthscope_", 0), std::string::npos) << key;
  // Another placement on OLMo 2 is said with the scheme key, and read back.
  ModelConfig pre = c;
  pre.norm_scheme = NormScheme::pre;
  EXPECT_EQ(hf_config_json(pre).at("depthscope_norm_scheme"), "pre");
  EXPECT_EQ(parse_hf_config_text(hf_config_text(pre), "config.json").norm_scheme, NormScheme::pre);
  // HybridNorm's per-head q/k norms and OLMo 2's whole-projection ones exclude each other.
  j["depthscope_norm_scheme"] = "hybrid";
  const FileError e = config_error(j.dump());
  EXPECT_NE(e.problem().find("qk_norm_full"), std::string::npos) << e.what();
}

TEST(HfConfig, Gpt2WithNullInner) {
  const ModelConfig c = parse_hf_config_text(
      R"({"model_type":"gpt2","n_embd":64,"n_layer":3,"n_head":4,"n_positions":128,"n_inner":null,
          "vocab_size":330,"layer_norm_epsilon":1e-5,"activation_function":"gelu_new"})",
      "config.json");
  EXPECT_EQ(c.family, ModelFamily::gpt2);
  EXPECT_EQ(c.intermediate_size, 256);  // 4 * n_embd
  EXPECT_EQ(c.max_position, 128);
  EXPECT_EQ(c.norm_kind, NormKind::layer);
  EXPECT_EQ(c.activation, Activation::gelu_new);
  EXPECT_EQ(c.positions, PositionKind::learned);
  EXPECT_FALSE(c.gated_mlp);
  EXPECT_TRUE(c.qkv_bias && c.out_bias && c.mlp_bias);
  EXPECT_TRUE(c.tie_word_embeddings);  // GPT-2's default
  EXPECT_EQ(c.num_kv_heads, 4);
}

TEST(HfConfig, MissingRequiredKeyNamesFileAndKey) {
  json j = json::parse(kLlama);
  j.erase("num_hidden_layers");
  try {
    parse_hf_config(j, "/models/x/config.json");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), "/models/x/config.json");
    EXPECT_EQ(e.field(), "num_hidden_layers");
    EXPECT_NE(e.problem().find("missing"), std::string::npos);
  }
}

TEST(HfConfig, MissingGpt2Key) {
  EXPECT_EQ(config_error(R"({"model_type":"gpt2","n_layer":3,"n_head":4,"n_positions":128,"vocab_size":330})").field(),
            "n_embd");
}

TEST(HfConfig, MissingModelType) {
  const FileError e = config_error(R"({"hidden_size":64})");
  EXPECT_EQ(e.field(), "model_type");
  EXPECT_NE(e.problem().find("llama, mistral, qwen2, qwen3, gpt2"), std::string::npos);
}

TEST(HfConfig, UnknownModelTypeListsSupported) {
  const FileError e = config_error(R"({"model_type":"falcon"})");
  EXPECT_EQ(e.field(), "model_type");
  EXPECT_NE(e.problem().find("'falcon'"), std::string::npos);
  EXPECT_NE(e.problem().find("llama, mistral, qwen2, qwen3, gpt2"), std::string::npos);
}

TEST(HfConfig, MalformedJson) {
  const FileError e = config_error(R"({"model_type": "llama", )");
  EXPECT_EQ(e.file(), "config.json");
  EXPECT_NE(e.problem().find("malformed JSON"), std::string::npos);
}

TEST(HfConfig, WrongTypeNamesKey) {
  json j = json::parse(kLlama);
  j["hidden_size"] = "sixty-four";
  try {
    parse_hf_config(j, "config.json");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "hidden_size");
    EXPECT_NE(e.problem().find("expected an integer"), std::string::npos);
  }
}

TEST(HfConfig, NonPositiveDimension) {
  json j = json::parse(kLlama);
  j["num_attention_heads"] = 0;
  try {
    parse_hf_config(j, "config.json");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "num_attention_heads");
  }
}

TEST(HfConfig, RopeScalingIsRefused) {
  json j = json::parse(kLlama);
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
  try {
    parse_hf_config(j, "config.json");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "rope_scaling");
  }
}

TEST(HfConfig, UnknownNormSchemeNamesKey) {
  json j = json::parse(kLlama);
  j["depthscope_norm_scheme"] = "weird";
  try {
    parse_hf_config(j, "config.json");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "depthscope_norm_scheme");
  }
}

TEST(HfConfig, PreLnLlamaWritesOnlyStandardKeys) {
  const ModelConfig c = parse_hf_config_text(kLlama, "config.json");
  const auto j = hf_config_json(c);
  EXPECT_EQ(j.at("model_type"), "llama");
  EXPECT_EQ(j.at("architectures"), nlohmann::ordered_json::array({"LlamaForCausalLM"}));
  for (const auto& [key, value] : j.items()) EXPECT_EQ(key.rfind("depthscope_", 0), std::string::npos) << key;
}

TEST(HfConfig, SchemeKeysAreWrittenAndRead) {
  ModelConfig c = parse_hf_config_text(kLlama, "config.json");
  c.norm_scheme = NormScheme::mix;
  c.mix_alpha = 0.5;
  auto j = hf_config_json(c);
  EXPECT_EQ(j.at("depthscope_norm_scheme"), "mix");
  EXPECT_EQ(j.at("depthscope_mix_alpha"), 0.5);
  c.norm_scheme = NormScheme::layerscale;
  c.layerscale_init = 0.05;
  j = hf_config_json(c);
  EXPECT_EQ(j.at("depthscope_layerscale_init"), 0.05);
  const ModelConfig back = parse_hf_config_text(j.dump(), "config.json");
  EXPECT_EQ(back.norm_scheme, NormScheme::layerscale);
  EXPECT_DOUBLE_EQ(back.layerscale_init, 0.05);
}

// Every family x scheme (and structural overrides) survives writing and reading.
TEST(HfConfig, RoundTripEveryFamilyAndScheme) {
  std::vector<ModelConfig> bases;
  for (const char* type : {"llama", "qwen2", "qwen3", "olmo2"}) {
    json j = json::parse(kLlama);
    j["model_type"] = type;
    bases.push_back(parse_hf_config(j, "config.json"));
  }
  bases.push_back(parse_hf_config_text(
      R"({"model_type":"gpt2","n_embd":64,"n_layer":3,"n_head":4,"n_positions":128,"vocab_size":330})", "c"));
  ModelConfig odd = bases[0];  // a Llama with LayerNorm and only q/k/v biases: needs override keys
  odd.norm_kind = NormKind::layer;
  odd.qkv_bias = true;
  odd.head_dim = 32;
  bases.push_back(odd);
  for (const ModelConfig& base : bases) {
    for (NormScheme s : all_norm_schemes()) {
      if (!scheme_defined_for(s, base.norm_kind)) continue;  // validate() refuses it (tested there)
      if (base.qk_norm_full && (s == NormScheme::hybrid || s == NormScheme::hybrid_star)) continue;  // likewise
      ModelConfig c = base;
      c.norm_scheme = s;
      c.gpas = s == NormScheme::lns;  // the add-on's key round-trips too
      c.mix_alpha = 0.4;
      c.layerscale_init = 0.2;
      c.init_std = 0.01;
      const ModelConfig b = parse_hf_config_text(hf_config_text(c), "config.json");
      const std::string what = to_string(c.family) + "/" + to_string(s);
      EXPECT_EQ(b.family, c.family) << what;
      // lns_gamma is a Pre-LN model once trained: written as pre.
      EXPECT_EQ(b.norm_scheme, s == NormScheme::lns_gamma ? NormScheme::pre : c.norm_scheme) << what;
      EXPECT_EQ(b.gpas, c.gpas) << what;
      EXPECT_EQ(b.hidden_size, c.hidden_size) << what;
      EXPECT_EQ(b.intermediate_size, c.intermediate_size) << what;
      EXPECT_EQ(b.num_layers, c.num_layers) << what;
      EXPECT_EQ(b.num_heads, c.num_heads) << what;
      EXPECT_EQ(b.num_kv_heads, c.num_kv_heads) << what;
      EXPECT_EQ(b.resolved_head_dim(), c.resolved_head_dim()) << what;
      EXPECT_EQ(b.vocab_size, c.vocab_size) << what;
      EXPECT_EQ(b.max_position, c.max_position) << what;
      EXPECT_DOUBLE_EQ(b.rope_theta, c.rope_theta) << what;
      EXPECT_DOUBLE_EQ(b.norm_eps, c.norm_eps) << what;
      EXPECT_EQ(b.norm_kind, c.norm_kind) << what;
      EXPECT_EQ(b.activation, c.activation) << what;
      EXPECT_EQ(b.gated_mlp, c.gated_mlp) << what;
      EXPECT_EQ(b.positions, c.positions) << what;
      EXPECT_EQ(b.qkv_bias, c.qkv_bias) << what;
      EXPECT_EQ(b.out_bias, c.out_bias) << what;
      EXPECT_EQ(b.mlp_bias, c.mlp_bias) << what;
      EXPECT_EQ(b.qk_norm, c.qk_norm) << what;
      EXPECT_EQ(b.qk_norm_full, c.qk_norm_full) << what;
      EXPECT_EQ(b.tie_word_embeddings, c.tie_word_embeddings) << what;
      EXPECT_DOUBLE_EQ(b.init_std, c.init_std) << what;
      EXPECT_EQ(b.bos_id, c.bos_id) << what;
      EXPECT_EQ(b.eos_id, c.eos_id) << what;
      if (s == NormScheme::mix) EXPECT_DOUBLE_EQ(b.mix_alpha, 0.4) << what;
      if (s == NormScheme::layerscale) EXPECT_DOUBLE_EQ(b.layerscale_init, 0.2) << what;
    }
  }
}

}  // namespace
}  // namespace depthscope
