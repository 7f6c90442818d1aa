#include "core/io/hf_config.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace depthscope {

namespace {

using json = nlohmann::json;

// Typed access to the keys of one config object; every problem names the file and key.
class Keys {
 public:
  Keys(const json& j, std::string file) : j_(j), file_(std::move(file)) {}

  bool has(const std::string& key) const { return j_.contains(key) && !j_.at(key).is_null(); }
  bool is_null(const std::string& key) const { return j_.contains(key) && j_.at(key).is_null(); }
  // A list of strings (Gemma's layer_types), or `fallback` when absent.
  std::vector<std::string> texts(const std::string& key, std::vector<std::string> fallback) const {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_array()) throw FileError(file_, key, "expected a list of strings, got " + v.dump());
    std::vector<std::string> out;
    for (const json& e : v) {
      if (!e.is_string()) throw FileError(file_, key, "expected a list of strings, got " + v.dump());
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  std::int64_t integer(const std::string& key) const {
    if (!has(key)) throw FileError(file_, key, "missing (required)");
    const json& v = j_.at(key);
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
    }
    throw FileError(file_, key, "expected an integer, got " + v.dump());
  }
  std::int64_t integer(const std::string& key, std::int64_t fallback) const {
    return has(key) ? integer(key) : fallback;
  }
  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_number()) throw FileError(file_, key, "expected a number, got " + v.dump());
    return v.get<double>();
  }
  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_boolean()) throw FileError(file_, key, "expected true or false, got " + v.dump());
    return v.get<bool>();
  }
  std::string text(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_string()) throw FileError(file_, key, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }
  // bos/eos ids: an integer, a list of integers (first one is used) or null.
  std::int64_t token_id(const std::string& key, std::int64_t fallback) const {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<std::int64_t>();
    if (v.is_array() && v.empty()) return fallback;
    return integer(key);
  }
  // A string member of an object key ("rope_scaling": {"type": ...}); "" when absent.
  std::string member_text(const std::string& key, const std::string& member) const {
    if (!has(key) || !j_.at(key).is_object() || !j_.at(key).contains(member) || !j_.at(key).at(member).is_string())
      return "";
    return j_.at(key).at(member).get<std::string>();
  }
  // A number member of an object key ("rope_scaling": {"factor": 8.0}); required.
  double member_number(const std::string& key, const std::string& member) const {
    if (!has(key) || !j_.at(key).is_object() || !j_.at(key).contains(member) || !j_.at(key).at(member).is_number())
      throw FileError(file_, key + "." + member, "missing or not a number");
    return j_.at(key).at(member).get<double>();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw FileError(file_, key, problem);
  }

 private:
  const json& j_;
  std::string file_;
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The part of a config that the family's standard keys determine. silu: check hidden_act (the
// Llama-like families' SwiGLU); Gemma reads its own activation key.
void read_llama_like(const Keys& k, ModelConfig& c, bool silu = true) {
  c.hidden_size = k.integer("hidden_size");
  c.intermediate_size = k.integer("intermediate_size");
  c.num_layers = k.integer("num_hidden_layers");
  c.num_heads = k.integer("num_attention_heads");
  c.num_kv_heads = k.integer("num_key_value_heads", c.num_heads);
  c.vocab_size = k.integer("vocab_size");
  c.head_dim = k.integer("head_dim", 0);
  c.max_position = k.integer("max_position_embeddings", 2048);
  c.rope_theta = k.number("rope_theta", 10000.0);
  c.norm_eps = k.number("rms_norm_eps", 1e-6);
  c.tie_word_embeddings = k.boolean("tie_word_embeddings", false);
  c.norm_kind = NormKind::rms;
  c.activation = Activation::silu;
  c.gated_mlp = true;
  c.positions = PositionKind::rope;
  const std::string act = k.text("hidden_act", "silu");
  if (silu && act != "silu" && act != "swish")
    k.fail("hidden_act", "'" + act + "' is not supported (DepthScope's Llama family uses silu)");
  if (k.has("rope_scaling") && c.family != ModelFamily::gemma3)  // Gemma 3 reads its linear scaling itself
    k.fail("rope_scaling", "RoPE scaling is not supported (DepthScope implements plain RoPE)");
  const bool attention_bias = k.boolean("attention_bias", false);
  c.qkv_bias = attention_bias;
  c.out_bias = attention_bias;
  if (k.boolean("mlp_bias", false))
    k.fail("mlp_bias", "biases on a gated MLP are not supported");
  c.bos_id = k.token_id("bos_token_id", 1);
  c.eos_id = k.token_id("eos_token_id", 2);
}

// Gemma 2 / Gemma 3's text model, with the defaults of Gemma2Config / Gemma3TextConfig
// (Hugging Face's configuration_gemma2.py, configuration_gemma3.py).
void read_gemma(const Keys& k, ModelConfig& c, bool gemma3) {
  c.family = gemma3 ? ModelFamily::gemma3 : ModelFamily::gemma2;
  read_llama_like(k, c, /*silu=*/false);
  c.head_dim = k.integer("head_dim", 256);
  c.rope_theta = k.number("rope_theta", gemma3 ? 1e6 : 1e4);
  c.max_position = k.integer("max_position_embeddings", gemma3 ? 131072 : 8192);
  c.tie_word_embeddings = k.boolean("tie_word_embeddings", true);
  const std::string act = k.text("hidden_activation", "gelu_pytorch_tanh");
  if (act != "gelu_pytorch_tanh" && act != "gelu_new")
    k.fail("hidden_activation", "'" + act + "' is not supported (Gemma's GeGLU uses gelu_pytorch_tanh)");
  c.activation = Activation::gelu_new;  // the tanh approximation
  c.norm_plus_one = true;
  c.embed_sqrt_scale = true;
  c.query_pre_attn_scalar = k.number("query_pre_attn_scalar", 256);
  // A soft-cap given as null is off; an absent one takes the class default.
  auto cap = [&](const char* key, double fallback) { return k.is_null(key) ? 0.0 : k.number(key, fallback); };
  c.final_softcap = cap("final_logit_softcapping", gemma3 ? 0.0 : 30.0);
  c.attn_softcap = cap("attn_logit_softcapping", gemma3 ? 0.0 : 50.0);
  if (gemma3 && c.attn_softcap > 0)
    k.fail("attn_logit_softcapping", "must be null: Gemma 3's attention does not soft-cap (modeling_gemma3.py)");
  if (gemma3 && k.boolean("use_bidirectional_attention", false))
    k.fail("use_bidirectional_attention", "bidirectional (encoder) Gemma 3 models are not supported");
  if (k.has("rope_parameters"))
    k.fail("rope_parameters", "is not read (give rope_theta and rope_local_base_freq, as Gemma3TextConfig saves them)");
  c.sliding_window = k.is_null("sliding_window") ? 0 : k.integer("sliding_window", 4096);
  // Which layers slide: layer_types, else Gemma 2's even layers (0-based) or Gemma 3's pattern:
  // every sliding_window_pattern-th layer is global.
  const std::int64_t pattern = gemma3 ? k.integer("sliding_window_pattern", 6) : 2;
  if (pattern <= 0) k.fail("sliding_window_pattern", "must be positive");
  std::vector<std::string> fallback;
  for (std::int64_t i = 0; i < c.num_layers; ++i)
    fallback.push_back((i + 1) % pattern != 0 ? "sliding_attention" : "full_attention");
  const std::vector<std::string> types = k.texts("layer_types", fallback);
  if (static_cast<std::int64_t>(types.size()) != c.num_layers)
    k.fail("layer_types", "has " + std::to_string(types.size()) + " entries for " + std::to_string(c.num_layers) + " layers");
  if (c.sliding_window > 0)
    for (const std::string& t : types) {
      if (t != "sliding_attention" && t != "full_attention")
        k.fail("layer_types", "'" + t + "' is not sliding_attention or full_attention");
      c.sliding_layers.push_back(t == "sliding_attention");
    }
  if (gemma3) {
    c.qk_norm = true;  // per-head q_norm / k_norm, (1 + w)
    c.rope_local_theta = k.number("rope_local_base_freq", 10000.0);
    // Gemma 3 4B and larger: linear RoPE scaling, on the global layers only.
    if (k.has("rope_scaling")) {
      const std::string type = k.member_text("rope_scaling", "rope_type").empty() ? k.member_text("rope_scaling", "type")
                                                                                   : k.member_text("rope_scaling", "rope_type");
      if (type != "linear" && type != "default")
        k.fail("rope_scaling", "type '" + type + "' is not supported (Gemma 3: linear or default)");
      if (type == "linear") c.rope_global_linear = k.member_number("rope_scaling", "factor");
    }
  }
}

// Phi-3 (Phi3Config's defaults): a Llama whose attention may slide on every layer.
void read_phi3(const Keys& k, ModelConfig& c) {
  c.family = ModelFamily::phi3;
  for (const char* member : {"type", "rope_type"}) {
    const std::string type = k.member_text("rope_scaling", member);
    if (type == "longrope" || type == "su")
      k.fail("rope_scaling", "type '" + type + "' (Phi-3's LongRoPE, for contexts beyond "
                             "original_max_position_embeddings) is not supported; DepthScope implements plain RoPE "
                             "(use a Phi-3 with \"rope_scaling\": null, e.g. the 4k-context models)");
  }
  read_llama_like(k, c);
  c.norm_eps = k.number("rms_norm_eps", 1e-5);
  c.eos_id = k.token_id("eos_token_id", 32000);
  if (k.number("partial_rotary_factor", 1.0) != 1.0)
    k.fail("partial_rotary_factor", "partial RoPE is not supported (DepthScope rotates the whole head)");
  c.sliding_window = k.integer("sliding_window", 0);  // null or absent: none
  if (c.sliding_window < 0) k.fail("sliding_window", "must be positive");
  if (c.sliding_window > 0) c.sliding_layers.assign(static_cast<std::size_t>(c.num_layers), true);
}

void read_gpt2(const Keys& k, ModelConfig& c) {
  c.family = ModelFamily::gpt2;
  c.hidden_size = k.integer("n_embd");
  c.num_layers = k.integer("n_layer");
  c.num_heads = k.integer("n_head");
  c.num_kv_heads = c.num_heads;
  c.head_dim = 0;
  c.vocab_size = k.integer("vocab_size");
  c.max_position = k.integer("n_positions");
  c.intermediate_size = k.integer("n_inner", 4 * c.hidden_size);
  c.norm_eps = k.number("layer_norm_epsilon", 1e-5);
  const std::string act = k.text("activation_function", "gelu_new");
  if (act != "gelu_new" && act != "gelu_pytorch_tanh")
    k.fail("activation_function", "'" + act + "' is not supported (DepthScope's GPT-2 uses gelu_new)");
  c.tie_word_embeddings = k.boolean("tie_word_embeddings", true);
  c.norm_kind = NormKind::layer;
  c.activation = Activation::gelu_new;
  c.gated_mlp = false;
  c.positions = PositionKind::learned;
  c.qkv_bias = true;
  c.out_bias = true;
  c.mlp_bias = true;
  c.qk_norm = false;
  c.bos_id = k.token_id("bos_token_id", 50256);
  c.eos_id = k.token_id("eos_token_id", 50256);
}

// Everything except DepthScope's own keys.
ModelConfig read_standard(const Keys& k) {
  if (!k.has("model_type"))
    k.fail("model_type", "missing (required; supported: " + join(supported_model_types()) + ")");
  const std::string type = k.text("model_type", "");
  ModelConfig c;
  if (type == "llama" || type == "mistral") {
    c.family = ModelFamily::llama;
    read_llama_like(k, c);
  } else if (type == "qwen2") {
    c.family = ModelFamily::qwen2;
    read_llama_like(k, c);
    c.qkv_bias = true;  // Qwen2 always has q/k/v biases and no o_proj bias
    c.out_bias = false;
  } else if (type == "qwen3") {
    c.family = ModelFamily::qwen3;
    read_llama_like(k, c);
    c.qk_norm = true;
    c.head_dim = k.integer("head_dim", 128);  // Qwen3Config's default
  } else if (type == "olmo2") {
    // OLMo 2: output norms only (post_attention_layernorm / post_feedforward_layernorm on each
    // sublayer's output) and RMSNorm over the whole q and k projections.
    c.family = ModelFamily::olmo2;
    read_llama_like(k, c);
    c.norm_eps = k.number("rms_norm_eps", 1e-5);  // Olmo2Config's default
    c.qk_norm_full = true;
  } else if (type == "phi3") {
    read_phi3(k, c);
  } else if (type == "gemma2" || type == "gemma3_text") {
    read_gemma(k, c, type == "gemma3_text");
  } else if (type == "gemma3") {
    k.fail("model_type", "'gemma3' is the multimodal Gemma 3; DepthScope opens its text model (model_type gemma3_text, "
                         "Gemma3ForCausalLM)");
  } else if (type == "gpt2") {
    read_gpt2(k, c);
  } else {
    k.fail("model_type", "'" + type + "' is not supported (supported: " + join(supported_model_types()) + ")");
  }
  c.init_std = k.number("initializer_range", 0.02);
  c.norm_scheme = default_norm_scheme(c.family);
  return c;
}

template <typename E>
E parse_enum(const Keys& k, const std::string& key, E fallback,
             const std::vector<std::pair<const char*, E>>& names) {
  if (!k.has(key)) return fallback;
  const std::string s = k.text(key, "");
  std::vector<std::string> valid;
  for (const auto& [name, value] : names) {
    if (s == name) return value;
    valid.push_back(name);
  }
  k.fail(key, "'" + s + "' is not one of: " + join(valid));
}

const std::vector<std::pair<const char*, NormKind>> kNormKinds = {{"rms", NormKind::rms}, {"layer", NormKind::layer}};
const std::vector<std::pair<const char*, Activation>> kActivations = {{"silu", Activation::silu},
                                                                      {"gelu_new", Activation::gelu_new}};
const std::vector<std::pair<const char*, PositionKind>> kPositions = {{"rope", PositionKind::rope},
                                                                      {"learned", PositionKind::learned}};

template <typename E>
const char* enum_name(E value, const std::vector<std::pair<const char*, E>>& names) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "?";
}

// Gemma's own keys (read_gemma's inverse).
void write_gemma(const ModelConfig& c, nlohmann::ordered_json& j) {
  const bool gemma3 = c.family == ModelFamily::gemma3;
  j["head_dim"] = c.resolved_head_dim();
  j.erase("hidden_act");
  j["hidden_activation"] = "gelu_pytorch_tanh";
  j["attention_bias"] = c.qkv_bias && c.out_bias;
  j["query_pre_attn_scalar"] = c.query_pre_attn_scalar > 0 ? c.query_pre_attn_scalar : static_cast<double>(c.resolved_head_dim());
  auto cap = [](double v) { return v > 0 ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
  j["attn_logit_softcapping"] = cap(c.attn_softcap);
  j["final_logit_softcapping"] = cap(c.final_softcap);
  j["sliding_window"] = c.sliding_window > 0 ? nlohmann::ordered_json(c.sliding_window) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json types = nlohmann::ordered_json::array();
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    const bool sliding = static_cast<std::size_t>(i) < c.sliding_layers.size() && c.sliding_layers[static_cast<std::size_t>(i)];
    types.push_back(sliding ? "sliding_attention" : "full_attention");
  }
  j["layer_types"] = types;
  if (gemma3) j["rope_local_base_freq"] = c.rope_local_theta > 0 ? c.rope_local_theta : c.rope_theta;
  if (gemma3 && c.rope_global_linear != 1.0) j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", c.rope_global_linear}};
}

}  // namespace

const std::vector<std::string>& supported_model_types() {
  static const std::vector<std::string> types = {"llama",  "mistral", "qwen2",      "qwen3",
                                                 "gpt2",   "olmo2",   "gemma2",     "gemma3_text", "phi3"};
  return types;
}

ModelConfig parse_hf_config(const json& j, const std::string& file) {
  if (!j.is_object()) throw FileError(file, "", "expected a JSON object");
  const Keys k(j, file);
  ModelConfig c = read_standard(k);

  // DepthScope's own keys: the norm scheme and structural overrides.
  if (k.has("depthscope_norm_scheme")) {
    try {
      c.norm_scheme = parse_norm_scheme(k.text("depthscope_norm_scheme", ""));
    } catch (const UsageError& e) {
      k.fail("depthscope_norm_scheme", e.what());
    }
  }
  c.gpas = k.boolean("depthscope_gpas", c.gpas);
  c.mix_alpha = k.number("depthscope_mix_alpha", c.mix_alpha);
  c.layerscale_init = k.number("depthscope_layerscale_init", c.layerscale_init);
  c.norm_kind = parse_enum(k, "depthscope_norm_kind", c.norm_kind, kNormKinds);
  c.activation = parse_enum(k, "depthscope_activation", c.activation, kActivations);
  c.positions = parse_enum(k, "depthscope_positions", c.positions, kPositions);
  c.gated_mlp = k.boolean("depthscope_gated_mlp", c.gated_mlp);
  c.qkv_bias = k.boolean("depthscope_qkv_bias", c.qkv_bias);
  c.out_bias = k.boolean("depthscope_out_bias", c.out_bias);
  c.mlp_bias = k.boolean("depthscope_mlp_bias", c.mlp_bias);
  c.qk_norm = k.boolean("depthscope_qk_norm", c.qk_norm);
  c.qk_norm_full = k.boolean("depthscope_qk_norm_full", c.qk_norm_full);

  for (const char* key : {"vocab_size", "hidden_size", "n_embd", "intermediate_size", "n_inner",
                          "num_hidden_layers", "n_layer", "num_attention_heads", "n_head",
                          "num_key_value_heads", "max_position_embeddings", "n_positions"})
    if (k.has(key) && k.integer(key) <= 0) k.fail(key, "must be positive, got " + std::to_string(k.integer(key)));
  try {
    c.validate();
  } catch (const UsageError& e) {
    throw FileError(file, "", std::string("inconsistent configuration: ") + e.what());
  }
  return c;
}

ModelConfig parse_hf_config_text(const std::string& text, const std::string& file) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw FileError(file, "", std::string("malformed JSON: ") + e.what());
  }
  return parse_hf_config(j, file);
}

ModelConfig load_hf_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "", "cannot open (missing or unreadable)");
  std::ostringstream s;
  s << in.rdbuf();
  return parse_hf_config_text(s.str(), path);
}

nlohmann::ordered_json hf_config_json(const ModelConfig& c) {
  nlohmann::ordered_json j;
  switch (c.family) {
    case ModelFamily::llama: j["architectures"] = {"LlamaForCausalLM"}; j["model_type"] = "llama"; break;
    case ModelFamily::qwen2: j["architectures"] = {"Qwen2ForCausalLM"}; j["model_type"] = "qwen2"; break;
    case ModelFamily::qwen3: j["architectures"] = {"Qwen3ForCausalLM"}; j["model_type"] = "qwen3"; break;
    case ModelFamily::gpt2: j["architectures"] = {"GPT2LMHeadModel"}; j["model_type"] = "gpt2"; break;
    case ModelFamily::olmo2: j["architectures"] = {"Olmo2ForCausalLM"}; j["model_type"] = "olmo2"; break;
    case ModelFamily::gemma2: j["architectures"] = {"Gemma2ForCausalLM"}; j["model_type"] = "gemma2"; break;
    case ModelFamily::gemma3: j["architectures"] = {"Gemma3ForCausalLM"}; j["model_type"] = "gemma3_text"; break;
    case ModelFamily::phi3: j["architectures"] = {"Phi3ForCausalLM"}; j["model_type"] = "phi3"; break;
  }
  if (c.family == ModelFamily::gpt2) {
    j["n_embd"] = c.hidden_size;
    j["n_layer"] = c.num_layers;
    j["n_head"] = c.num_heads;
    j["n_positions"] = c.max_position;
    j["n_ctx"] = c.max_position;
    j["n_inner"] = c.intermediate_size;
    j["vocab_size"] = c.vocab_size;
    j["layer_norm_epsilon"] = c.norm_eps;
    j["activation_function"] = "gelu_new";
  } else {
    j["hidden_size"] = c.hidden_size;
    j["intermediate_size"] = c.intermediate_size;
    j["num_hidden_layers"] = c.num_layers;
    j["num_attention_heads"] = c.num_heads;
    j["num_key_value_heads"] = c.num_kv_heads;
    if (c.family == ModelFamily::qwen3) j["head_dim"] = c.resolved_head_dim();
    else if (c.head_dim > 0) j["head_dim"] = c.head_dim;
    j["vocab_size"] = c.vocab_size;
    j["max_position_embeddings"] = c.max_position;
    j["rms_norm_eps"] = c.norm_eps;
    j["rope_theta"] = c.rope_theta;
    j["hidden_act"] = "silu";
    if (c.family == ModelFamily::llama || c.family == ModelFamily::qwen3 || c.family == ModelFamily::olmo2)
      j["attention_bias"] = c.qkv_bias && c.out_bias;
    if (c.family == ModelFamily::qwen2) j["use_sliding_window"] = false;
    if (c.family == ModelFamily::gemma2 || c.family == ModelFamily::gemma3) write_gemma(c, j);
    if (c.family == ModelFamily::phi3)
      j["sliding_window"] = c.sliding_window > 0 ? nlohmann::ordered_json(c.sliding_window) : nlohmann::ordered_json(nullptr);
  }
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["initializer_range"] = c.init_std;
  j["bos_token_id"] = c.bos_id;
  j["eos_token_id"] = c.eos_id;
  j["torch_dtype"] = "float32";

  // What the family's standard keys alone would read as (their norm scheme included: output for
  // OLMo 2, pre for the others); anything else gets DepthScope keys.
  const ModelConfig standard = read_standard(Keys(json::parse(j.dump()), "<config>"));
  if (checkpoint_scheme_name(c.norm_scheme) != to_string(standard.norm_scheme))
    j["depthscope_norm_scheme"] = checkpoint_scheme_name(c.norm_scheme);
  if (c.gpas) j["depthscope_gpas"] = true;
  if (c.norm_scheme == NormScheme::mix) j["depthscope_mix_alpha"] = c.mix_alpha;
  if (c.norm_scheme == NormScheme::layerscale && c.layerscale_init > 0)
    j["depthscope_layerscale_init"] = c.layerscale_init;

  // Structural choices the family's keys cannot express get explicit DepthScope keys.
  if (standard.norm_kind != c.norm_kind) j["depthscope_norm_kind"] = enum_name(c.norm_kind, kNormKinds);
  if (standard.activation != c.activation) j["depthscope_activation"] = enum_name(c.activation, kActivations);
  if (standard.positions != c.positions) j["depthscope_positions"] = enum_name(c.positions, kPositions);
  if (standard.gated_mlp != c.gated_mlp) j["depthscope_gated_mlp"] = c.gated_mlp;
  if (standard.qkv_bias != c.qkv_bias) j["depthscope_qkv_bias"] = c.qkv_bias;
  if (standard.out_bias != c.out_bias) j["depthscope_out_bias"] = c.out_bias;
  if (standard.mlp_bias != c.mlp_bias) j["depthscope_mlp_bias"] = c.mlp_bias;
  if (standard.qk_norm != c.qk_norm) j["depthscope_qk_norm"] = c.qk_norm;
  if (standard.qk_norm_full != c.qk_norm_full) j["depthscope_qk_norm_full"] = c.qk_norm_full;
  return j;
}

std::string hf_config_text(const ModelConfig& c) { return hf_config_json(c).dump(2) + "\n"; }

void save_hf_config(const std::string& path, const ModelConfig& c) {
  AtomicFileWriter out(path);
  out.write(hf_config_text(c));
  out.commit();
}

}  // namespace depthscope
