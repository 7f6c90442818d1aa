#include "core/model/config.h"

#include <cmath>

#include "core/error.h"

namespace depthscope {

namespace {
struct SchemeName {
  NormScheme scheme;
  const char* name;     // config / CLI name
  const char* display;  // chart label
};
constexpr SchemeName kSchemes[] = {
    {NormScheme::pre, "pre", "Pre-LN"},          {NormScheme::lns, "lns", "LNS"},
    {NormScheme::post, "post", "Post-LN"},       {NormScheme::mix, "mix", "Mix-LN"},
    {NormScheme::deepnorm, "deepnorm", "DeepNorm"}, {NormScheme::sandwich, "sandwich", "Sandwich-LN"},
    {NormScheme::layerscale, "layerscale", "LayerScale"},
    {NormScheme::scaled_init, "scaled_init", "Scaled Init"},
};
struct FamilyName {
  ModelFamily family;
  const char* name;
};
constexpr FamilyName kFamilies[] = {{ModelFamily::llama, "llama"},
                                    {ModelFamily::qwen2, "qwen2"},
                                    {ModelFamily::qwen3, "qwen3"},
                                    {ModelFamily::gpt2, "gpt2"}};
}  // namespace

std::string to_string(NormScheme s) {
  for (const auto& e : kSchemes)
    if (e.scheme == s) return e.name;
  return "unknown";
}

std::string display_name(NormScheme s) {
  for (const auto& e : kSchemes)
    if (e.scheme == s) return e.display;
  return "unknown";
}

std::string to_string(ModelFamily f) {
  for (const auto& e : kFamilies)
    if (e.family == f) return e.name;
  return "unknown";
}

NormScheme parse_norm_scheme(const std::string& name) {
  std::string valid;
  for (const auto& e : kSchemes) {
    if (name == e.name) return e.scheme;
    valid += valid.empty() ? e.name : std::string(", ") + e.name;
  }
  throw UsageError("unknown norm scheme '" + name + "' (valid: " + valid + ")");
}

ModelFamily parse_model_family(const std::string& name) {
  std::string valid;
  for (const auto& e : kFamilies) {
    if (name == e.name) return e.family;
    valid += valid.empty() ? e.name : std::string(", ") + e.name;
  }
  throw UsageError("unknown model family '" + name + "' (supported: " + valid + ")");
}

const std::vector<NormScheme>& all_norm_schemes() {
  static const std::vector<NormScheme> all = [] {
    std::vector<NormScheme> v;
    for (const auto& e : kSchemes) v.push_back(e.scheme);
    return v;
  }();
  return all;
}

void ModelConfig::validate() const {
  auto fail = [](const std::string& field, const std::string& why) {
    throw UsageError("model config: " + field + " " + why);
  };
  if (vocab_size <= 0) fail("vocab_size", "must be positive");
  if (hidden_size <= 0) fail("hidden_size", "must be positive");
  if (intermediate_size <= 0) fail("intermediate_size", "must be positive");
  if (num_layers <= 0) fail("num_layers", "must be positive");
  if (num_heads <= 0) fail("num_heads", "must be positive");
  if (num_kv_heads <= 0 || num_heads % num_kv_heads != 0)
    fail("num_kv_heads", "must divide num_heads (" + std::to_string(num_heads) + ")");
  if (head_dim <= 0 && hidden_size % num_heads != 0)
    fail("num_heads", "must divide hidden_size when head_dim is not given");
  if (positions == PositionKind::rope && resolved_head_dim() % 2 != 0)
    fail("head_dim", "must be even for RoPE");
  if (max_position <= 0) fail("max_position", "must be positive");
  if (!(norm_eps > 0)) fail("norm_eps", "must be positive");
  if (norm_scheme == NormScheme::mix && !(mix_alpha >= 0 && mix_alpha <= 1))
    fail("mix_alpha", "must be in [0, 1]");
}

std::int64_t ModelConfig::parameter_count() const {
  const std::int64_t d = hidden_size, hd = resolved_head_dim(), ff = intermediate_size;
  const std::int64_t norm = norm_kind == NormKind::layer ? 2 * d : d;
  std::int64_t attn = d * num_heads * hd + 2 * d * num_kv_heads * hd + num_heads * hd * d;
  if (qkv_bias) attn += num_heads * hd + 2 * num_kv_heads * hd;
  if (out_bias) attn += d;
  if (qk_norm) attn += 2 * hd;
  std::int64_t mlp = (gated_mlp ? 3 : 2) * d * ff;
  if (mlp_bias) mlp += ff + d;
  std::int64_t per_layer = attn + mlp + 2 * norm;
  if (norm_scheme == NormScheme::sandwich) per_layer += 2 * norm;
  if (norm_scheme == NormScheme::layerscale) per_layer += 2 * d;
  std::int64_t total = vocab_size * d + num_layers * per_layer + norm;
  if (positions == PositionKind::learned) total += max_position * d;
  if (!tie_word_embeddings) total += vocab_size * d;
  return total;
}

void check_tokens_fit(const ModelConfig& c, const std::vector<std::int64_t>& tokens, std::int64_t n_ctx) {
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= c.vocab_size)
      throw UsageError("token " + std::to_string(i + 1) + " has id " + std::to_string(tokens[i]) +
                       ", outside the model's vocabulary of " + std::to_string(c.vocab_size));
  if (c.positions == PositionKind::learned && n_ctx > c.max_position)
    throw UsageError("a context of " + std::to_string(n_ctx) + " tokens exceeds the model's " +
                     std::to_string(c.max_position) + " learned positions (lower --ctx)");
}

double layerscale_lambda(const ModelConfig& c) {
  if (c.layerscale_init > 0) return c.layerscale_init;
  if (c.num_layers <= 18) return 0.1;
  if (c.num_layers <= 24) return 1e-5;
  return 1e-6;
}

std::int64_t mix_post_layers(const ModelConfig& c) {
  return static_cast<std::int64_t>(std::floor(c.mix_alpha * static_cast<double>(c.num_layers)));
}

bool is_post_norm_layer(const ModelConfig& c, std::int64_t layer) {
  switch (c.norm_scheme) {
    case NormScheme::post:
    case NormScheme::deepnorm:
      return true;
    case NormScheme::mix:
      return layer <= mix_post_layers(c);
    default:
      return false;
  }
}

// LNS (paper eq.): h = x + Attn(LN(x) / sqrt(l)), y = h + FFN(LN(h) / sqrt(l)).
double lns_scale(const ModelConfig& c, std::int64_t layer) {
  return c.norm_scheme == NormScheme::lns ? 1.0 / std::sqrt(static_cast<double>(layer)) : 1.0;
}

double deepnorm_alpha(const ModelConfig& c) {
  return std::pow(2.0 * static_cast<double>(c.num_layers), 0.25);
}

double deepnorm_beta(const ModelConfig& c) {
  return std::pow(8.0 * static_cast<double>(c.num_layers), -0.25);
}

}  // namespace depthscope
