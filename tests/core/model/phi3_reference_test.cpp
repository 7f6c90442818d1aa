// Phi-3 (model_type phi3) against a reference written here, in float64 with plain ATen ops,
// from Hugging Face's modeling_phi3.py (Phi3Attention's qkv split, Phi3MLP's gate_up chunk,
// Phi3RMSNorm, the sliding-window mask of every layer when config.sliding_window is set), on
// a tiny random checkpoint this test writes with the fused tensors. No DepthScope model code
// is used by the reference. Also: the fused tensors are split as views, saved fused again, and
// LongRoPE (rope_scaling type longrope / su) is refused by name.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <map>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/hf_config.h"
#include "core/io/safetensors.h"
#include "core/model/causal_attention.h"
#include "core/model/transformer.h"
#include "core/model/windowed_attention.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kVocab = 89, kD = 48, kFf = 80, kLayers = 3, kHeads = 4, kKv = 2, kT = 20, kWindow = 6;
constexpr std::int64_t kHd = kD / kHeads;
constexpr double kTheta = 10000.0, kEps = 1e-5;

nlohmann::json config_json() {
  return {{"architectures", {"Phi3ForCausalLM"}}, {"model_type", "phi3"},      {"vocab_size", kVocab},
          {"hidden_size", kD},                     {"intermediate_size", kFf}, {"num_hidden_layers", kLayers},
          {"num_attention_heads", kHeads},         {"num_key_value_heads", kKv}, {"max_position_embeddings", 64},
          {"original_max_position_embeddings", 64}, {"rms_norm_eps", kEps},    {"rope_theta", kTheta},
          {"rope_scaling", nullptr},               {"sliding_window", kWindow}, {"hidden_act", "silu"},
          {"tie_word_embeddings", false},          {"torch_dtype", "float32"}};
}

std::map<std::string, at::Tensor> random_weights() {
  at::manual_seed(5);
  std::map<std::string, at::Tensor> w;
  auto r = [](std::vector<std::int64_t> shape, double std) { return at::randn(shape, at::kFloat) * std; };
  w["model.embed_tokens.weight"] = r({kVocab, kD}, 1.0);
  w["model.norm.weight"] = 1.0 + r({kD}, 0.2);
  w["lm_head.weight"] = r({kVocab, kD}, 0.3);
  for (std::int64_t l = 0; l < kLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w[p + "input_layernorm.weight"] = 1.0 + r({kD}, 0.2);
    w[p + "post_attention_layernorm.weight"] = 1.0 + r({kD}, 0.2);
    w[p + "self_attn.qkv_proj.weight"] = r({(kHeads + 2 * kKv) * kHd, kD}, 0.25);
    w[p + "self_attn.o_proj.weight"] = r({kD, kHeads * kHd}, 0.15);
    w[p + "mlp.gate_up_proj.weight"] = r({2 * kFf, kD}, 0.2);
    w[p + "mlp.down_proj.weight"] = r({kD, kFf}, 0.15);
  }
  return w;
}

at::Tensor ref_rms(const at::Tensor& x, const at::Tensor& w) {  // Phi3RMSNorm
  return w.to(at::kDouble) * (x * at::rsqrt(x.pow(2).mean(-1, true) + kEps));
}

at::Tensor ref_rope(const at::Tensor& x) {  // Phi3RotaryEmbedding (default), apply_rotary_pos_emb; x [heads, T, hd]
  at::Tensor inv_freq = 1.0 / at::pow(kTheta, at::arange(0, kHd, 2, at::kLong).to(at::kFloat) / static_cast<float>(kHd));
  at::Tensor emb = at::outer(at::arange(kT, at::kFloat), inv_freq);
  emb = at::cat({emb, emb}, -1);  // [T, hd]
  at::Tensor rotated = at::cat({-x.narrow(-1, kHd / 2, kHd / 2), x.narrow(-1, 0, kHd / 2)}, -1);
  return x * emb.cos().to(at::kDouble) + rotated * emb.sin().to(at::kDouble);
}

// logits [T, V] of Phi3ForCausalLM; window 0: no sliding window.
at::Tensor reference_logits(const std::map<std::string, at::Tensor>& w, const at::Tensor& ids, std::int64_t window) {
  auto W = [&](const std::string& n) { return w.at(n).to(at::kDouble); };
  at::Tensor h = W("model.embed_tokens.weight").index_select(0, ids);  // [T, d]
  const at::Tensor i = at::arange(kT, at::kLong).unsqueeze(1), j = at::arange(kT, at::kLong).unsqueeze(0);
  const at::Tensor visible = window > 0 ? (j <= i).logical_and(j > i - window) : (j <= i);  // [T, T]
  for (std::int64_t l = 0; l < kLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const at::Tensor x = ref_rms(h, W(p + "input_layernorm.weight"));
    const at::Tensor qkv = at::matmul(x, W(p + "self_attn.qkv_proj.weight").t());  // [T, (H + 2KV) hd]
    const at::Tensor q = ref_rope(qkv.narrow(1, 0, kHeads * kHd).view({kT, kHeads, kHd}).transpose(0, 1));
    const at::Tensor k = ref_rope(qkv.narrow(1, kHeads * kHd, kKv * kHd).view({kT, kKv, kHd}).transpose(0, 1));
    const at::Tensor v = qkv.narrow(1, (kHeads + kKv) * kHd, kKv * kHd).view({kT, kKv, kHd}).transpose(0, 1);
    std::vector<at::Tensor> heads;
    for (std::int64_t hh = 0; hh < kHeads; ++hh) {
      const std::int64_t g = hh / (kHeads / kKv);
      at::Tensor s = at::matmul(q[hh], k[g].t()) * std::pow(static_cast<double>(kHd), -0.5);
      s = s.masked_fill(visible.logical_not(), -std::numeric_limits<double>::infinity());
      heads.push_back(at::matmul(at::softmax(s, -1), v[g]));
    }
    h = h + at::matmul(at::cat(heads, -1), W(p + "self_attn.o_proj.weight").t());
    const at::Tensor gate_up = at::matmul(ref_rms(h, W(p + "post_attention_layernorm.weight")),
                                          W(p + "mlp.gate_up_proj.weight").t());  // [T, 2 ff]
    const auto halves = gate_up.chunk(2, -1);                                     // gate, up
    h = h + at::matmul(halves[1] * at::silu(halves[0]), W(p + "mlp.down_proj.weight").t());
  }
  return at::matmul(ref_rms(h, W("model.norm.weight")), W("lm_head.weight").t()).to(at::kFloat);
}

struct Phi3Fixture {
  std::map<std::string, at::Tensor> weights = random_weights();
  at::Tensor ids = at::arange(kT, at::kLong).mul(29).remainder(kVocab);
  fs::path dir;
  LoadedCheckpoint ck;
  explicit Phi3Fixture(const std::string& name) : dir(test::scratch_dir(name)) {
    save_safetensors((dir / "model.safetensors").string(), NamedTensors(weights.begin(), weights.end()), {{"format", "pt"}});
    test::write_text(dir / "config.json", config_json().dump(2));
    ck = load_checkpoint(dir.string());
  }
};

double max_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(Phi3, BothForwardsMatchTheReference) {
  const Phi3Fixture f("phi3_forward");
  EXPECT_EQ(f.ck.config.family, ModelFamily::phi3);
  EXPECT_EQ(f.ck.config.sliding_layers, std::vector<bool>(kLayers, true));
  const at::Tensor ref = reference_logits(f.weights, f.ids, kWindow);
  const Transformer model(f.ck.config, f.ck.weights);
  const double autograd = max_diff(model.forward(f.ids.unsqueeze(0)).squeeze(0), ref);
  at::NoGradGuard no_grad;
  const double rows = max_diff(model.forward(f.ids.unsqueeze(0)).squeeze(0), ref);
  std::cout << "[ phi3 ] max abs diff to the float64 reference: " << autograd << " (autograd), " << rows << " (rows)\n";
  EXPECT_LT(autograd, 5e-4);
  EXPECT_LT(rows, 5e-4);
  EXPECT_GT(max_diff(reference_logits(f.weights, f.ids, 0), ref), 0.05);  // the window matters here
}

// A window at least as long as the text hides no key: the plain causal kernels run, with the
// logits of the model without a window, and the windowed composition agrees with them there.
TEST(Phi3, AWindowAsLongAsTheTextHidesNothing) {
  const Phi3Fixture f("phi3_long_window");
  ModelConfig no_window = f.ck.config;
  no_window.sliding_layers.clear();
  const at::Tensor tokens = f.ids.narrow(0, 0, kWindow).unsqueeze(0);  // T = window
  const Transformer windowed(f.ck.config, f.ck.weights), plain(no_window, f.ck.weights);
  EXPECT_TRUE(at::equal(windowed.forward(tokens), plain.forward(tokens)));
  at::NoGradGuard no_grad;
  EXPECT_TRUE(at::equal(windowed.forward(tokens), plain.forward(tokens)));
  at::manual_seed(9);
  const at::Tensor q = at::randn({1, 4, 7, 8}), k = at::randn({1, 2, 7, 8}), v = at::randn({1, 2, 7, 8});
  EXPECT_TRUE(at::allclose(windowed_causal_attention(q, k, v, 0.3, 0, 7), causal_attention_reference(q, k, v, 0.3), 1e-6, 1e-6));
  EXPECT_FALSE(at::allclose(windowed_causal_attention(q, k, v, 0.3, 0, 6), causal_attention_reference(q, k, v, 0.3), 1e-3, 1e-3));
}

TEST(Phi3, FusedTensorsAreSplitAsViewsAndSavedFused) {
  const Phi3Fixture f("phi3_views");
  const LayerWeights& lw = f.ck.weights.layers[1];
  const std::int64_t q = kHeads * kHd, kv = kKv * kHd;
  // q, k, v are consecutive row ranges of one stored qkv_proj; gate and up of one gate_up_proj.
  EXPECT_EQ(static_cast<const float*>(lw.wk.data_ptr()), static_cast<const float*>(lw.wq.data_ptr()) + q * kD);
  EXPECT_EQ(static_cast<const float*>(lw.wv.data_ptr()), static_cast<const float*>(lw.wq.data_ptr()) + (q + kv) * kD);
  EXPECT_EQ(static_cast<const float*>(lw.w_up.data_ptr()), static_cast<const float*>(lw.w_gate.data_ptr()) + kFf * kD);
  EXPECT_TRUE(at::equal(lw.w_up, f.weights.at("model.layers.1.mlp.gate_up_proj.weight").narrow(0, kFf, kFf)));

  const fs::path out = f.dir / "saved";
  save_hf(out.string(), f.ck.config, f.ck.weights);
  const NamedTensors saved = load_safetensors((out / "model.safetensors").string());
  std::map<std::string, at::Tensor> by_name(saved.begin(), saved.end());
  EXPECT_EQ(by_name.size(), f.weights.size());
  for (const auto& [name, t] : f.weights) {
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_TRUE(at::equal(by_name.at(name), t)) << name;
  }
  const LoadedCheckpoint back = load_checkpoint(out.string());
  at::NoGradGuard no_grad;
  EXPECT_TRUE(at::equal(Transformer(back.config, back.weights).forward(f.ids.unsqueeze(0)),
                        Transformer(f.ck.config, f.ck.weights).forward(f.ids.unsqueeze(0))));
}

TEST(Phi3, LongRopeIsRefusedByName) {
  const fs::path dir = test::scratch_dir("phi3_longrope");
  for (const char* type : {"longrope", "su"}) {
    nlohmann::json j = config_json();
    j["rope_scaling"] = {{"type", type}, {"short_factor", {1.0}}, {"long_factor", {1.0}}};
    const std::string path = test::write_text(dir / "config.json", j.dump());
    try {
      load_hf_config(path);
      ADD_FAILURE() << type << " was accepted";
    } catch (const FileError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("config.json"), std::string::npos) << what;
      EXPECT_NE(what.find("rope_scaling"), std::string::npos) << what;
      EXPECT_NE(what.find(type), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace depthscope
