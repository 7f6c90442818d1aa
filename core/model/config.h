#pragma once
// ModelConfig: everything needed to build a Transformer, in the paper's words.
// Torch-free so the GUI can include it.
#include <cstdint>
#include <string>
#include <vector>

namespace depthscope {

// How each block places its normalisation (docs/paper.md, "Comparison schemes").
enum class NormScheme {
  pre,          // x + F(LN(x))
  lns,          // x + F(LN(x) / sqrt(l)), l = 1..L  (LayerNorm Scaling)
  post,         // LN(x + F(x))
  mix,          // first floor(mix_alpha * L) layers post, the rest pre
  deepnorm,     // LN(alpha x + F(x)), alpha = (2N)^(1/4); init gain beta = (8N)^(-1/4)
  sandwich,     // x + LN_out(F(LN_in(x)))   (Peri-LN)
  layerscale,   // x + diag(lambda) F(LN(x))
  scaled_init,  // pre, with o_proj/down_proj init std 0.02 / sqrt(2L)
  // 2019-2026 placements (docs/model.md, "Later placements"):
  peri,         // Peri-LN: sandwich blocks on a normalised embedding, x_1 = LN(embed)
  output,       // x + LN_out(F(x)): output norms only, no input norms (OLMo 2)
  dyt,          // Pre-LN with every norm DyT(x) = w * tanh(alpha x); embeddings * embed_scale
  hybrid,       // HybridNorm: h = x + Attn_qkvnorm(x); m = LN(h); y = m + FFN(m)
  hybrid_star,  // HybridNorm*: as hybrid, block 1 Pre-LN (q/k/v norms kept)
  skipinit,     // no block norms: x + a F(x), scalar a starting at 0
  lns_gamma,    // Pre-LN whose norm weights start at 1/sqrt(l) and are learned; saved as pre
};

// olmo2: OLMo 2 (Olmo2ForCausalLM): output norms only (NormScheme::output by default), its
// out-norms named post_attention_layernorm / post_feedforward_layernorm, and q/k norms over the
// whole projections (qk_norm_full).
// gemma2 / gemma3: Gemma 2 (Gemma2ForCausalLM) and Gemma 3's text model (Gemma3ForCausalLM):
// sandwich norms (NormScheme::sandwich by default) with OLMo 2's names plus input_layernorm,
// (1 + w) RMSNorms, scaled embeddings, GeGLU, sliding-window layers (docs/model.md, "Gemma").
// phi3: Phi-3 (Phi3ForCausalLM): a Pre-LN Llama whose files fuse q/k/v (qkv_proj) and
// gate/up (gate_up_proj); split on load as views (core/io/phi3_layout.h).
enum class ModelFamily { llama, qwen2, qwen3, gpt2, olmo2, gemma2, gemma3, phi3 };
enum class NormKind { rms, layer };          // RMSNorm (Llama) or LayerNorm with bias (GPT-2)
enum class Activation { silu, gelu_new };    // SwiGLU gate activation or GPT-2's tanh GELU
enum class PositionKind { rope, learned };   // RoPE (rotate-halves, HF layout) or learned table

std::string to_string(NormScheme s);
std::string to_string(ModelFamily f);
// The norm placement a family's own config.json implies: output for olmo2, sandwich for gemma2
// and gemma3, pre for the others.
NormScheme default_norm_scheme(ModelFamily f);
// Parse; throw UsageError listing the valid names.
NormScheme parse_norm_scheme(const std::string& name);
ModelFamily parse_model_family(const std::string& name);
const std::vector<NormScheme>& all_norm_schemes();
// Human label used in charts and tables: "Pre-LN", "LNS", "Post-LN", "Mix-LN", ...
std::string display_name(NormScheme s);
// The scheme word config.json stores: every scheme's own, except lns_gamma, which is a Pre-LN
// model once trained (its gain lives in the norm weights) and is written as "pre".
std::string checkpoint_scheme_name(NormScheme s);

// A run's scheme word: the scheme's name, with "+gpas" when the GPAS add-on is on ("pre+gpas").
struct SchemeChoice {
  NormScheme scheme = NormScheme::pre;
  bool gpas = false;
};
std::string to_string(const SchemeChoice& s);
// "Pre-LN + GPAS"
std::string display_name(const SchemeChoice& s);
// Whether a scheme is defined for a norm kind: peri, output, dyt, hybrid and hybrid_star are
// written for RMSNorm (Llama-family) models only; every other scheme for both kinds.
bool scheme_defined_for(NormScheme s, NormKind kind);
// Parse "lns" or "lns+gpas"; throws UsageError listing the valid names.
SchemeChoice parse_scheme_choice(const std::string& word);

struct ModelConfig {
  ModelFamily family = ModelFamily::llama;
  std::int64_t vocab_size = 32000;
  std::int64_t hidden_size = 768;        // d_model
  std::int64_t intermediate_size = 2048;  // FFN width
  std::int64_t num_layers = 12;          // L
  std::int64_t num_heads = 12;
  std::int64_t num_kv_heads = 12;        // < num_heads: grouped-query attention
  std::int64_t head_dim = 0;             // 0: hidden_size / num_heads
  std::int64_t max_position = 2048;      // learned positions / context limit
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;

  NormKind norm_kind = NormKind::rms;
  Activation activation = Activation::silu;
  bool gated_mlp = true;                 // SwiGLU (gate, up, down) vs fc -> act -> proj
  PositionKind positions = PositionKind::rope;
  bool qkv_bias = false;                 // Qwen2, GPT-2
  bool out_bias = false;                 // GPT-2 (attention out and MLP biases)
  bool mlp_bias = false;                 // GPT-2
  bool qk_norm = false;                  // Qwen3: per-head RMSNorm on q and k before RoPE
  bool qk_norm_full = false;             // OLMo 2: RMSNorm over the whole q [H*hd] and k [KV*hd]
                                         //   projections, before the head split and RoPE
  bool tie_word_embeddings = false;

  // Gemma 2 / 3 (0 / false / empty: off; docs/model.md, "Gemma").
  bool norm_plus_one = false;            // every RMSNorm scales by (1 + w); the file stores w
  bool embed_sqrt_scale = false;         // embeddings * sqrt(hidden_size) (float32)
  double query_pre_attn_scalar = 0;      // attention scale query_pre_attn_scalar^-1/2 (0: head_dim^-1/2)
  double attn_softcap = 0;               // attention scores c * tanh(s / c) before the mask
  double final_softcap = 0;              // logits c * tanh(z / c)
  std::int64_t sliding_window = 0;       // sliding layers keep key j for query i when j > i - window
  std::vector<bool> sliding_layers;      // [L] by 0-based layer index: true = sliding; empty: none
  double rope_local_theta = 0;           // RoPE base of the sliding layers (Gemma 3; 0: rope_theta)
  double rope_global_linear = 1.0;       // Gemma 3's linear RoPE scaling on the global layers: angles / factor

  NormScheme norm_scheme = NormScheme::pre;
  double mix_alpha = 0.25;               // Mix-LN: fraction of Post-LN layers
  double layerscale_init = 0;            // LayerScale: initial lambda; 0: CaiT's depth rule
  double init_std = 0.02;                // normal(0, init_std) for linear and embedding weights
  // GPAS (an add-on to any scheme): after each residual addition x <- x - SiLU(g_l) x, one
  // scalar gate per block (config.json "depthscope_gpas").
  bool gpas = false;
  // DyT's initial alpha per site (init only; the checkpoint stores alpha): attention input,
  // FFN input, final norm. The LLaMA defaults of the DyT code.
  double dyt_alpha_attn = 0.8;
  double dyt_alpha_ffn = 0.2;
  double dyt_alpha_final = 0.2;

  std::int64_t bos_id = 1;
  std::int64_t eos_id = 2;

  // Bytes the weights take in memory as held; 0: float32 (4 x parameter_count()). Not a
  // config.json field: the checkpoint loader and the Transformer set it from the tensors
  // (F16/BF16 checkpoints stay 2 bytes per weight in the file mapping), so memory estimates
  // count the weights as they are held (core/analysis/memory_estimate.h).
  std::int64_t weight_bytes = 0;

  std::int64_t resolved_head_dim() const { return head_dim > 0 ? head_dim : hidden_size / num_heads; }
  // Throws UsageError naming the first inconsistent field (e.g. heads not dividing kv heads).
  void validate() const;
  // Parameter count implied by the config (embeddings and head counted once if tied).
  std::int64_t parameter_count() const;
};

// Validates token ids and a window length against a model before any compute: throws
// UsageError naming the first id outside the vocabulary (1-based position), or a window
// longer than the model's learned positions.
void check_tokens_fit(const ModelConfig& c, const std::vector<std::int64_t>& tokens, std::int64_t n_ctx);

// Where block l's norms and scales sit under the config's scheme: the one place the placements
// are written down. The weights check, the initialisation and both forwards read it.
struct BlockLayout {
  bool post = false;            // Post-LN: attn_norm after x + Attn(x), mlp_norm after h + FFN(h)
  bool attn_in_norm = false;    // input_layernorm on the attention input (Pre-LN family)
  bool mlp_in_norm = false;     // post_attention_layernorm on the FFN input (Pre-LN family)
  bool ffn_from_norm = false;   // HybridNorm: m = LN(h; post_attention_layernorm) is both the
                                //   FFN input and the residual it is added to: y = m + FFN(m)
  bool out_norms = false;       // attn_out_norm / mlp_out_norm on each sublayer's output
  bool qk_norm = false;         // per-head RMSNorm on q and k before RoPE (Qwen3, HybridNorm)
  bool qk_norm_full = false;    // RMSNorm over the whole q [H*hd] and k [KV*hd] before RoPE (OLMo 2)
  bool v_norm = false;          // per-head RMSNorm on v (HybridNorm)
  bool layerscale = false;      // diag(lambda) on each sublayer output, lambda [d]
  bool residual_scale = false;  // SkipInit: scalar a [1] on each sublayer output
  bool dyt = false;             // the norms are DyT(x) = w * tanh(alpha x) with a scalar alpha
  bool gpas = false;            // x <- x - SiLU(g) x after each residual addition
  std::int64_t window = 0;      // sliding-window attention of this (original) layer; 0: full causal
  bool local_rope = false;      // RoPE with rope_local_theta (Gemma 3's sliding layers)
  double lns = 1.0;             // LNS factor on the pre-norm outputs: 1/sqrt(l) under LNS
  bool has_attn_norm() const { return post || attn_in_norm; }
  bool has_mlp_norm() const { return post || mlp_in_norm || ffn_from_norm; }
};
BlockLayout block_layout(const ModelConfig& c, std::int64_t layer);
// Peri-LN normalises the embedding output (model.embed_norm); DyT multiplies the embeddings by a
// learned scalar (model.embed_scale) and its final norm is DyT (model.norm.alpha).
bool has_embed_norm(const ModelConfig& c);
bool has_embed_scale(const ModelConfig& c);
bool is_dyt(const ModelConfig& c);
// lns_gamma's initial norm weight 1/sqrt(l) (l = 1..L); 1 under every other scheme.
double initial_norm_gain(const ModelConfig& c, std::int64_t layer);

// Number of Post-LN layers in Mix-LN: floor(alpha * L).
std::int64_t mix_post_layers(const ModelConfig& c);
// Whether layer l (1-based) is a Post-LN layer under the config's scheme.
bool is_post_norm_layer(const ModelConfig& c, std::int64_t layer);
// The LNS factor 1/sqrt(l) for layer l (1-based); 1 for every other scheme.
double lns_scale(const ModelConfig& c, std::int64_t layer);
// DeepNorm residual multiplier alpha = (2N)^(1/4) and init gain beta = (8N)^(-1/4), N = layers.
double deepnorm_alpha(const ModelConfig& c);
double deepnorm_beta(const ModelConfig& c);
// LayerScale's initial lambda: the config's layerscale_init when set (> 0), otherwise CaiT's
// depth rule (Touvron et al. 2021): 0.1 up to 18 layers, 1e-5 up to 24, 1e-6 beyond.
double layerscale_lambda(const ModelConfig& c);

}  // namespace depthscope
