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
    {NormScheme::peri, "peri", "Peri-LN"},       {NormScheme::output, "output", "Output-LN"},
    {NormScheme::dyt, "dyt", "DyT"},             {NormScheme::hybrid, "hybrid", "HybridNorm"},
    {NormScheme::hybrid_star, "hybrid_star", "HybridNorm*"},
    {NormScheme::skipinit, "skipinit", "SkipInit"},
    {NormScheme::lns_gamma, "lns_gamma", "LNS-\u03B3"},
};
constexpr const char* kGpasSuffix = "+gpas";
struct FamilyName {
  ModelFamily family;
  const char* name;
};
constexpr FamilyName kFamilies[] = {{ModelFamily::llama, "llama"},
                                    {ModelFamily::qwen2, "qwen2"},
                                    {ModelFamily::qwen3, "qwen3"},
                                    {ModelFamily::gpt2, "gpt2"},
                                    {ModelFamily::olmo2, "olmo2"},
                                    {ModelFamily::gemma2, "gemma2"},
                                    {ModelFamily::gemma3, "gemma3"},
                                    {ModelFamily::phi3, "phi3"}};
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

std::string checkpoint_scheme_name(NormScheme s) {
  return s == NormScheme::lns_gamma ? to_string(NormScheme::pre) : to_string(s);
}

std::string to_string(const SchemeChoice& s) { return to_string(s.scheme) + (s.gpas ? kGpasSuffix : ""); }

std::string display_name(const SchemeChoice& s) { return display_name(s.scheme) + (s.gpas ? " + GPAS" : ""); }

SchemeChoice parse_scheme_choice(const std::string& word) {
  const std::string suffix = kGpasSuffix;
  const bool gpas = word.size() > suffix.size() && word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
  try {
    return {parse_norm_scheme(gpas ? word.substr(0, word.size() - suffix.size()) : word), gpas};
  } catch (const UsageError& e) {
    throw UsageError(std::string(e.what()) + "; add +gpas for the GPAS add-on (pre+gpas)");
  }
}

bool scheme_defined_for(NormScheme s, NormKind kind) {
  const bool rms_only = s == NormScheme::peri || s == NormScheme::output || s == NormScheme::dyt ||
                        s == NormScheme::hybrid || s == NormScheme::hybrid_star;
  return !rms_only || kind == NormKind::rms;
}

std::string to_string(ModelFamily f) {
  for (const auto& e : kFamilies)
    if (e.family == f) return e.name;
  return "unknown";
}

NormScheme default_norm_scheme(ModelFamily f) {
  if (f == ModelFamily::olmo2) return NormScheme::output;
  if (f == ModelFamily::gemma2 || f == ModelFamily::gemma3) return NormScheme::sandwich;
  return NormScheme::pre;
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
  if (!scheme_defined_for(norm_scheme, norm_kind))
    fail("norm_scheme", display_name(norm_scheme) + " is defined on RMSNorm models (Llama family) only");
  if (qk_norm_full && qk_norm) fail("qk_norm_full", "and qk_norm (per head) exclude each other");
  if (qk_norm_full && (norm_scheme == NormScheme::hybrid || norm_scheme == NormScheme::hybrid_star))
    fail("qk_norm_full", "cannot be combined with " + display_name(norm_scheme) + ", which has per-head q/k norms");
  if (qk_norm_full && norm_kind != NormKind::rms) fail("qk_norm_full", "is an RMSNorm (needs norm_kind rms)");
  if (norm_plus_one && (norm_kind != NormKind::rms || is_dyt(*this)))
    fail("norm_plus_one", "is Gemma's (1 + w) RMSNorm (needs norm_kind rms and no DyT)");
  if (!(query_pre_attn_scalar >= 0)) fail("query_pre_attn_scalar", "must be positive (or 0: head_dim)");
  if (!(attn_softcap >= 0) || !(final_softcap >= 0)) fail("softcap", "must be positive (or 0: off)");
  if (!sliding_layers.empty() && static_cast<std::int64_t>(sliding_layers.size()) != num_layers)
    fail("sliding_layers", "must list every one of the " + std::to_string(num_layers) + " layers");
  for (bool sliding : sliding_layers)
    if (sliding && sliding_window <= 0) fail("sliding_window", "must be positive when a layer slides");
  if (rope_local_theta < 0) fail("rope_local_theta", "must be positive (or 0: rope_theta)");
  if (!(rope_global_linear >= 1.0)) fail("rope_global_linear", "must be at least 1");
}

std::int64_t ModelConfig::parameter_count() const {
  const std::int64_t d = hidden_size, hd = resolved_head_dim(), ff = intermediate_size;
  const std::int64_t norm = norm_kind == NormKind::layer ? 2 * d : d;
  std::int64_t attn = d * num_heads * hd + 2 * d * num_kv_heads * hd + num_heads * hd * d;
  if (qkv_bias) attn += num_heads * hd + 2 * num_kv_heads * hd;
  if (out_bias) attn += d;
  std::int64_t mlp = (gated_mlp ? 3 : 2) * d * ff;
  if (mlp_bias) mlp += ff + d;
  std::int64_t total = vocab_size * d + norm;
  for (std::int64_t l = 1; l <= num_layers; ++l) {
    const BlockLayout b = block_layout(*this, l);
    std::int64_t per_layer = attn + mlp;
    const std::int64_t alpha = b.dyt ? 1 : 0;  // DyT's scalar alpha beside each norm weight
    if (b.has_attn_norm()) per_layer += norm + alpha;
    if (b.has_mlp_norm()) per_layer += norm + alpha;
    if (b.qk_norm) per_layer += 2 * hd;
    if (b.qk_norm_full) per_layer += (num_heads + num_kv_heads) * hd;
    if (b.v_norm) per_layer += hd;
    if (b.out_norms) per_layer += 2 * norm;
    if (b.layerscale) per_layer += 2 * d;
    if (b.residual_scale) per_layer += 2;
    if (b.gpas) per_layer += 1;
    total += per_layer;
  }
  if (has_embed_norm(*this)) total += d;
  if (has_embed_scale(*this)) total += 1;
  if (is_dyt(*this)) total += 1;  // model.norm.alpha
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

BlockLayout block_layout(const ModelConfig& c, std::int64_t layer) {
  BlockLayout b;
  b.qk_norm = c.qk_norm;
  b.qk_norm_full = c.qk_norm_full;
  b.gpas = c.gpas;
  const auto index = static_cast<std::size_t>(layer - 1);  // the original layer's own window
  if (index < c.sliding_layers.size() && c.sliding_layers[index]) {
    b.window = c.sliding_window;
    b.local_rope = c.rope_local_theta > 0;
  }
  switch (c.norm_scheme) {
    case NormScheme::post:
    case NormScheme::deepnorm:
    case NormScheme::mix:
      b.post = is_post_norm_layer(c, layer);
      b.attn_in_norm = b.mlp_in_norm = !b.post;
      break;
    case NormScheme::pre:
    case NormScheme::scaled_init:
    case NormScheme::lns_gamma:
      b.attn_in_norm = b.mlp_in_norm = true;
      break;
    case NormScheme::lns:
      b.attn_in_norm = b.mlp_in_norm = true;
      b.lns = lns_scale(c, layer);
      break;
    case NormScheme::sandwich:
    case NormScheme::peri:
      b.attn_in_norm = b.mlp_in_norm = b.out_norms = true;
      break;
    case NormScheme::layerscale:
      b.attn_in_norm = b.mlp_in_norm = b.layerscale = true;
      break;
    case NormScheme::output:
      b.out_norms = true;
      break;
    case NormScheme::dyt:
      b.attn_in_norm = b.mlp_in_norm = b.dyt = true;
      break;
    case NormScheme::hybrid_star:
      if (layer == 1) {  // Pre-LN with the q/k/v norms kept
        b.attn_in_norm = b.mlp_in_norm = b.qk_norm = b.v_norm = true;
        break;
      }
      [[fallthrough]];
    case NormScheme::hybrid:
      b.qk_norm = b.v_norm = b.ffn_from_norm = true;
      break;
    case NormScheme::skipinit:
      b.residual_scale = true;
      break;
  }
  return b;
}

bool has_embed_norm(const ModelConfig& c) { return c.norm_scheme == NormScheme::peri; }
bool has_embed_scale(const ModelConfig& c) { return c.norm_scheme == NormScheme::dyt; }
bool is_dyt(const ModelConfig& c) { return c.norm_scheme == NormScheme::dyt; }

double initial_norm_gain(const ModelConfig& c, std::int64_t layer) {
  return c.norm_scheme == NormScheme::lns_gamma ? 1.0 / std::sqrt(static_cast<double>(layer)) : 1.0;
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
