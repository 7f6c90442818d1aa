// Gemma 3's text model (model_type gemma3_text) against a reference written here, in float64
// with plain ATen ops, from Hugging Face's modeling_gemma3.py (Gemma3TextModel,
// Gemma3DecoderLayer, Gemma3Attention, Gemma3RMSNorm, Gemma3RotaryEmbedding) and
// configuration_gemma3.py (layer_types from sliding_window_pattern, rope_local_base_freq),
// on a tiny random checkpoint this test writes in Hugging Face's layout. No DepthScope model
// code is used by the reference. Also: removing a layer keeps every other layer's own window
// and RoPE base (they belong to the original layer index).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/analysis/layer_removal.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/hf_config.h"
#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

// The tiny model: 6 layers, sliding_window_pattern 3 (layers 2 and 5, 0-based, are global),
// a window of 5 on 24 tokens, and a local RoPE base far from the global one.
constexpr std::int64_t kVocab = 97, kD = 64, kFf = 96, kLayers = 6, kHeads = 4, kKv = 2, kHd = 32, kT = 24;
constexpr std::int64_t kWindow = 5, kPattern = 3;
constexpr double kTheta = 1e6, kLocalTheta = 10.0, kScalar = 20.0, kEps = 1e-6;

nlohmann::json config_json() {
  return {{"architectures", {"Gemma3ForCausalLM"}},
          {"model_type", "gemma3_text"},
          {"vocab_size", kVocab},
          {"hidden_size", kD},
          {"intermediate_size", kFf},
          {"num_hidden_layers", kLayers},
          {"num_attention_heads", kHeads},
          {"num_key_value_heads", kKv},
          {"head_dim", kHd},
          {"max_position_embeddings", 128},
          {"rms_norm_eps", kEps},
          {"rope_theta", kTheta},
          {"rope_local_base_freq", kLocalTheta},
          {"query_pre_attn_scalar", kScalar},
          {"sliding_window", kWindow},
          {"sliding_window_pattern", kPattern},
          {"hidden_activation", "gelu_pytorch_tanh"},
          {"final_logit_softcapping", nullptr},
          {"attn_logit_softcapping", nullptr},
          {"rope_scaling", nullptr},
          {"tie_word_embeddings", true},
          {"torch_dtype", "float32"}};
}

// Random float32 weights under Hugging Face's Gemma 3 names; norm weights are the stored
// (zero-centred) values.
std::map<std::string, at::Tensor> random_weights() {
  at::manual_seed(3);
  std::map<std::string, at::Tensor> w;
  auto r = [](std::vector<std::int64_t> shape, double std) { return at::randn(shape, at::kFloat) * std; };
  w["model.embed_tokens.weight"] = r({kVocab, kD}, 0.3);
  w["model.norm.weight"] = r({kD}, 0.3);
  for (std::int64_t l = 0; l < kLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* n : {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                          "post_feedforward_layernorm"})
      w[p + n + ".weight"] = r({kD}, 0.3);
    w[p + "self_attn.q_proj.weight"] = r({kHeads * kHd, kD}, 0.15);
    w[p + "self_attn.k_proj.weight"] = r({kKv * kHd, kD}, 0.15);
    w[p + "self_attn.v_proj.weight"] = r({kKv * kHd, kD}, 0.15);
    w[p + "self_attn.o_proj.weight"] = r({kD, kHeads * kHd}, 0.1);
    w[p + "self_attn.q_norm.weight"] = r({kHd}, 0.3);
    w[p + "self_attn.k_norm.weight"] = r({kHd}, 0.3);
    w[p + "mlp.gate_proj.weight"] = r({kFf, kD}, 0.15);
    w[p + "mlp.up_proj.weight"] = r({kFf, kD}, 0.15);
    w[p + "mlp.down_proj.weight"] = r({kD, kFf}, 0.1);
  }
  return w;
}

// ---- The reference (float64) ------------------------------------------------------------

// Gemma3RMSNorm: x * rsqrt(mean(x^2) + eps) * (1 + w), over the last dimension.
at::Tensor ref_rms(const at::Tensor& x, const at::Tensor& w) {
  return x * at::rsqrt(x.pow(2).mean(-1, true) + kEps) * (1.0 + w.to(at::kDouble));
}

// Gemma3RotaryEmbedding (default rope; linear: inv_freq / factor) and apply_rotary_pos_emb:
// x [heads, T, hd].
at::Tensor ref_rope(const at::Tensor& x, double base, double factor) {
  at::Tensor inv_freq = 1.0 / at::pow(base, at::arange(0, kHd, 2, at::kLong).to(at::kFloat) / static_cast<float>(kHd));
  inv_freq = inv_freq / factor;
  at::Tensor freqs = at::outer(at::arange(kT, at::kFloat), inv_freq);  // [T, hd/2], float32 as HF
  at::Tensor emb = at::cat({freqs, freqs}, -1);                        // [T, hd]
  at::Tensor cos = emb.cos().to(at::kDouble), sin = emb.sin().to(at::kDouble);
  at::Tensor rotated = at::cat({-x.narrow(-1, kHd / 2, kHd / 2), x.narrow(-1, 0, kHd / 2)}, -1);
  return x * cos + rotated * sin;
}

struct RefOptions {
  std::set<std::int64_t> removed;        // 0-based layers skipped
  bool types_by_position = false;        // layer types recounted over the remaining layers (wrong)
  double local_theta = kLocalTheta;
  std::int64_t window = kWindow;
  double global_factor = 1.0;            // rope_scaling linear: the global layers only
  bool scale_local_too = false;          // (wrong) the local layers scaled as well
};

// logits [T, V] of Gemma3ForCausalLM on `ids`.
at::Tensor reference_logits(const std::map<std::string, at::Tensor>& w, const at::Tensor& ids, const RefOptions& o) {
  auto W = [&](const std::string& n) { return w.at(n).to(at::kDouble); };
  const at::Tensor embed = W("model.embed_tokens.weight");
  at::Tensor h = embed.index_select(0, ids) * static_cast<double>(static_cast<float>(std::sqrt(double(kD))));  // [T, d]
  std::int64_t position = 0;  // index among the remaining layers
  for (std::int64_t l = 0; l < kLayers; ++l) {
    if (o.removed.count(l)) continue;
    const std::int64_t type_index = o.types_by_position ? position : l;
    ++position;
    const bool sliding = (type_index + 1) % kPattern != 0;
    const std::string p = "model.layers." + std::to_string(l) + ".";
    at::Tensor x = ref_rms(h, W(p + "input_layernorm.weight"));
    at::Tensor q = at::matmul(x, W(p + "self_attn.q_proj.weight").t()).view({kT, kHeads, kHd}).transpose(0, 1);  // [H, T, hd]
    at::Tensor k = at::matmul(x, W(p + "self_attn.k_proj.weight").t()).view({kT, kKv, kHd}).transpose(0, 1);    // [KV, T, hd]
    at::Tensor v = at::matmul(x, W(p + "self_attn.v_proj.weight").t()).view({kT, kKv, kHd}).transpose(0, 1);
    const double factor = sliding && !o.scale_local_too ? 1.0 : o.global_factor;
    q = ref_rope(ref_rms(q, W(p + "self_attn.q_norm.weight")), sliding ? o.local_theta : kTheta, factor);
    k = ref_rope(ref_rms(k, W(p + "self_attn.k_norm.weight")), sliding ? o.local_theta : kTheta, factor);
    std::vector<at::Tensor> heads;
    for (std::int64_t hh = 0; hh < kHeads; ++hh) {
      const std::int64_t kvh = hh / (kHeads / kKv);  // repeat_kv
      at::Tensor s = at::matmul(q[hh], k[kvh].t()) * std::pow(kScalar, -0.5);  // [T, T]
      // create_causal_mask / create_sliding_window_causal_mask: key j visible to query i when
      // j <= i, and on sliding layers when i - j < sliding_window.
      const at::Tensor i = at::arange(kT, at::kLong).unsqueeze(1), j = at::arange(kT, at::kLong).unsqueeze(0);
      const at::Tensor visible = sliding ? (j <= i).logical_and(i - j < o.window) : (j <= i);
      s = s.masked_fill(visible.logical_not(), -std::numeric_limits<double>::infinity());
      heads.push_back(at::matmul(at::softmax(s, -1), v[kvh]));  // [T, hd]
    }
    at::Tensor attn = at::matmul(at::cat(heads, -1), W(p + "self_attn.o_proj.weight").t());  // [T, d]
    h = h + ref_rms(attn, W(p + "post_attention_layernorm.weight"));
    x = ref_rms(h, W(p + "pre_feedforward_layernorm.weight"));
    at::Tensor gate = at::gelu(at::matmul(x, W(p + "mlp.gate_proj.weight").t()), "tanh");
    at::Tensor mlp = at::matmul(gate * at::matmul(x, W(p + "mlp.up_proj.weight").t()), W(p + "mlp.down_proj.weight").t());
    h = h + ref_rms(mlp, W(p + "post_feedforward_layernorm.weight"));
  }
  return at::matmul(ref_rms(h, W("model.norm.weight")), embed.t()).to(at::kFloat);  // tied head [T, V]
}

// ---- The tests ---------------------------------------------------------------------------

struct Gemma3Fixture {
  std::map<std::string, at::Tensor> weights = random_weights();
  at::Tensor ids = at::arange(kT, at::kLong).mul(37).remainder(kVocab);  // [T]
  LoadedCheckpoint ck;
  explicit Gemma3Fixture(const std::string& name, const nlohmann::json& config = config_json()) {
    const fs::path dir = test::scratch_dir(name);
    NamedTensors tensors(weights.begin(), weights.end());
    save_safetensors((dir / "model.safetensors").string(), tensors, {{"format", "pt"}});
    test::write_text(dir / "config.json", config.dump(2));
    ck = load_checkpoint(dir.string());
  }
};

double max_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(Gemma3, ReadsItsConfig) {
  const Gemma3Fixture f("gemma3_config");
  const ModelConfig& c = f.ck.config;
  EXPECT_EQ(c.family, ModelFamily::gemma3);
  EXPECT_EQ(c.norm_scheme, NormScheme::sandwich);
  EXPECT_TRUE(c.qk_norm && c.norm_plus_one && c.embed_sqrt_scale);
  EXPECT_EQ(c.rope_local_theta, kLocalTheta);
  EXPECT_EQ(c.attn_softcap, 0);
  EXPECT_EQ(c.final_softcap, 0);
  EXPECT_EQ(c.sliding_layers, (std::vector<bool>{true, true, false, true, true, false}));
}

TEST(Gemma3, BothForwardsMatchTheReference) {
  const Gemma3Fixture f("gemma3_forward");
  const at::Tensor ref = reference_logits(f.weights, f.ids, {});
  const Transformer model(f.ck.config, f.ck.weights);
  const at::Tensor tokens = f.ids.unsqueeze(0);  // [1, T]
  const double autograd = max_diff(model.forward(tokens).squeeze(0), ref);
  at::NoGradGuard no_grad;
  const double rows = max_diff(model.forward(tokens).squeeze(0), ref);
  std::cout << "[ gemma3 ] max abs diff to the float64 reference: " << autograd << " (autograd), " << rows
            << " (rows); |logit| up to " << ref.abs().max().item<double>() << "\n";
  EXPECT_LT(autograd, 5e-4);
  EXPECT_LT(rows, 5e-4);
  // The reference is sensitive to what it checks: one local RoPE base, or no window, is far off.
  RefOptions global_rope;
  global_rope.local_theta = kTheta;
  EXPECT_GT(max_diff(reference_logits(f.weights, f.ids, global_rope), ref), 0.05);
  RefOptions no_window;
  no_window.window = kT;
  EXPECT_GT(max_diff(reference_logits(f.weights, f.ids, no_window), ref), 0.05);
}

// Removing layer 1 (0-based 0, sliding) leaves layer 2 sliding and layer 3 global, as they
// were: their window and RoPE base belong to their original index, not to their new position.
TEST(Gemma3, RemovingALayerKeepsEachLayersOwnWindow) {
  const Gemma3Fixture f("gemma3_removal");
  const Transformer model(f.ck.config, f.ck.weights);
  RefOptions removed;
  removed.removed = {0};
  const at::Tensor ref = reference_logits(f.weights, f.ids, removed);
  at::NoGradGuard no_grad;
  const at::Tensor ours = model.forward(f.ids.unsqueeze(0), nullptr, {1}).squeeze(0);  // layer 1 (1-based) skipped
  EXPECT_LT(max_diff(ours, ref), 5e-4);
  RefOptions shifted = removed;
  shifted.types_by_position = true;
  EXPECT_GT(max_diff(ours, reference_logits(f.weights, f.ids, shifted)), 0.05);
}

// The removal sweep (every analysis's path: cached layer inputs, the row kernels) scores each
// removal as the reference does with that layer removed and every other layer's own window.
TEST(Gemma3, RemovalSweepKeepsEachLayersOwnWindow) {
  const Gemma3Fixture f("gemma3_sweep");
  const Transformer model(f.ck.config, f.ck.weights);
  const std::vector<std::int64_t> ids(f.ids.data_ptr<std::int64_t>(), f.ids.data_ptr<std::int64_t>() + kT);
  RemovalOptions o;
  o.windows.n_ctx = kT;
  const LayerRemovalSweep sweep = layer_removal_sweep(model, ids, o);
  const PerplexityWindowSpec w = perplexity_windows(kT, o.windows).at(0);
  auto reference_nll = [&](const RefOptions& r) {  // mean NLL of the scored positions
    const at::Tensor logp = at::log_softmax(reference_logits(f.weights, f.ids, r).to(at::kDouble), -1);  // [T, V]
    double nll = 0;
    for (std::int64_t p = w.score_begin; p < w.score_end; ++p) nll -= logp[p][ids[static_cast<std::size_t>(p + 1)]].item<double>();
    return nll / static_cast<double>(w.score_end - w.score_begin);
  };
  for (std::int64_t removed : {0, 2, 4}) {  // sliding, global, sliding (0-based)
    RefOptions r;
    r.removed = {removed};
    const double loss = sweep.layers.at(static_cast<std::size_t>(removed)).score.loss;
    EXPECT_NEAR(loss, reference_nll(r), 1e-4) << "layer " << removed + 1;
    r.types_by_position = true;  // windows recounted over the remaining layers: another loss
    EXPECT_GT(std::fabs(loss - reference_nll(r)), 1e-3) << "layer " << removed + 1;
  }
}

// Gemma 3 4B and larger: rope_scaling linear (factor 8) divides the global layers' RoPE
// frequencies; the sliding layers keep their local base unscaled.
TEST(Gemma3, LinearRopeScalingScalesOnlyTheGlobalLayers) {
  nlohmann::json config = config_json();
  config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 8.0}};
  const Gemma3Fixture f("gemma3_linear_rope", config);
  EXPECT_EQ(f.ck.config.rope_global_linear, 8.0);
  RefOptions scaled;
  scaled.global_factor = 8.0;
  const at::Tensor ref = reference_logits(f.weights, f.ids, scaled);
  const Transformer model(f.ck.config, f.ck.weights);
  const double autograd = max_diff(model.forward(f.ids.unsqueeze(0)).squeeze(0), ref);
  at::NoGradGuard no_grad;
  const at::Tensor rows = model.forward(f.ids.unsqueeze(0)).squeeze(0);
  EXPECT_LT(autograd, 5e-4);
  EXPECT_LT(max_diff(rows, ref), 5e-4);
  EXPECT_GT(max_diff(rows, reference_logits(f.weights, f.ids, {})), 0.05);  // unscaled
  RefOptions both = scaled;
  both.scale_local_too = true;
  EXPECT_GT(max_diff(rows, reference_logits(f.weights, f.ids, both)), 0.05);
  // Saved back as a plain Gemma 3 config with the same scaling.
  const fs::path out = test::scratch_dir("gemma3_linear_rope_saved");
  save_hf(out.string(), f.ck.config, f.ck.weights);
  EXPECT_EQ(load_checkpoint(out.string()).config.rope_global_linear, 8.0);
}

TEST(Gemma3, RefusesWhatItDoesNotImplement) {
  const fs::path dir = test::scratch_dir("gemma3_refusals");
  for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"attn_logit_softcapping", 50.0}, {"use_bidirectional_attention", true},
           {"rope_scaling", {{"rope_type", "yarn"}, {"factor", 8.0}}}}) {
    nlohmann::json j = config_json();
    j[key] = value;
    const std::string path = test::write_text(dir / "config.json", j.dump());
    try {
      load_hf_config(path);
      ADD_FAILURE() << key << " was accepted";
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  nlohmann::json multimodal = config_json();
  multimodal["model_type"] = "gemma3";
  EXPECT_THROW(load_hf_config(test::write_text(dir / "config.json", multimodal.dump())), FileError);
}

}  // namespace
}  // namespace depthscope
