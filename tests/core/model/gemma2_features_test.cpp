// Gemma 2's features one by one (../shared/data/families/gemma2-tiny-f32, README "families/"):
// the checkpoint matches its independent logits with every feature on, and turning any one
// off (in the config struct, or in config.json on a copy of the folder) moves the logits far
// from them (the README: by at least 0.48), in both forwards. So each feature is exercised,
// and a forward that ignored one would fail ReferenceFamily.gemma2_tiny_f32.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

const char* kFolder = "families/gemma2-tiny-f32";

at::Tensor reference_tokens() {
  std::ifstream in(test::shared_data(std::string(kFolder) + "/ref.tokens.txt"));
  std::vector<std::int64_t> ids;
  std::int64_t id;
  while (in >> id) ids.push_back(id);
  return at::tensor(ids, at::kLong).unsqueeze(0);  // [1, 48]
}

at::Tensor reference_logits(std::int64_t vocab) {
  std::ifstream in(test::shared_data(std::string(kFolder) + "/ref.logits.f32"), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  at::Tensor t = at::empty({static_cast<std::int64_t>(bytes.size() / 4)}, at::kFloat);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.view({-1, vocab});  // [48, V]
}

// Max |logit - reference| of the model, through the autograd forward and the row kernels.
std::pair<double, double> distance(const ModelConfig& c, const ModelWeights& w) {
  const Transformer model(c, w);
  const at::Tensor tokens = reference_tokens(), ref = reference_logits(c.vocab_size);
  const double autograd = (model.forward(tokens).squeeze(0) - ref).abs().max().item<double>();
  at::NoGradGuard no_grad;
  const double rows = (model.forward(tokens).squeeze(0) - ref).abs().max().item<double>();
  return {autograd, rows};
}

struct Feature {
  std::string name;
  std::function<void(ModelConfig&, ModelWeights&)> turn_off;
};

class Gemma2Feature : public ::testing::TestWithParam<Feature> {};

TEST_P(Gemma2Feature, TurningItOffMovesTheLogitsFromTheReference) {
  DS_REQUIRE_SHARED(std::string(kFolder) + "/ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data(kFolder));
  const auto [on_autograd, on_rows] = distance(ck.config, ck.weights);
  EXPECT_LT(on_autograd, 5e-4);
  EXPECT_LT(on_rows, 5e-4);
  ModelConfig c = ck.config;
  ModelWeights w = ck.weights;  // shares the tensors; turn_off replaces, never writes into them
  GetParam().turn_off(c, w);
  const auto [off_autograd, off_rows] = distance(c, w);
  std::cout << "[ gemma2 ] without " << GetParam().name << ": max abs diff " << off_autograd << " (autograd), "
            << off_rows << " (rows)\n";
  EXPECT_GT(off_autograd, 0.4) << GetParam().name;
  EXPECT_GT(off_rows, 0.4) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    EachFeature, Gemma2Feature,
    ::testing::Values(
        Feature{"norm_plus_one", [](ModelConfig& c, ModelWeights&) { c.norm_plus_one = false; }},
        Feature{"embed_sqrt_scale", [](ModelConfig& c, ModelWeights&) { c.embed_sqrt_scale = false; }},
        Feature{"sandwich_out_norms",  // Pre-LN: the post-sublayer norms dropped
                [](ModelConfig& c, ModelWeights& w) {
                  c.norm_scheme = NormScheme::pre;
                  for (LayerWeights& lw : w.layers) lw.attn_out_norm_w = lw.mlp_out_norm_w = at::Tensor();
                }},
        Feature{"tanh_gelu", [](ModelConfig& c, ModelWeights&) { c.activation = Activation::silu; }},
        Feature{"query_pre_attn_scalar", [](ModelConfig& c, ModelWeights&) { c.query_pre_attn_scalar = 0; }},
        Feature{"attn_softcap", [](ModelConfig& c, ModelWeights&) { c.attn_softcap = 0; }},
        Feature{"sliding_window", [](ModelConfig& c, ModelWeights&) { c.sliding_layers.clear(); }},
        Feature{"final_softcap", [](ModelConfig& c, ModelWeights&) { c.final_softcap = 0; }}),
    [](const auto& info) { return info.param.name; });

TEST(Gemma2Config, ReadsEveryFeatureFromConfigJson) {
  DS_REQUIRE_SHARED(std::string(kFolder) + "/config.json");
  const ModelConfig c = load_checkpoint(test::shared_data(kFolder)).config;
  EXPECT_EQ(c.family, ModelFamily::gemma2);
  EXPECT_EQ(c.norm_scheme, NormScheme::sandwich);
  EXPECT_TRUE(c.norm_plus_one);
  EXPECT_TRUE(c.embed_sqrt_scale);
  EXPECT_EQ(c.activation, Activation::gelu_new);
  EXPECT_EQ(c.resolved_head_dim(), 32);  // not hidden / heads = 16
  EXPECT_EQ(c.query_pre_attn_scalar, 24);
  EXPECT_EQ(c.attn_softcap, 2.0);
  EXPECT_EQ(c.final_softcap, 30.0);
  EXPECT_EQ(c.sliding_window, 8);
  EXPECT_EQ(c.sliding_layers, (std::vector<bool>{true, false, true, false}));  // even layers, 0-based
  EXPECT_TRUE(c.tie_word_embeddings);
}

// The same features read from config.json: null soft-caps are off, layer_types overrides
// the even-layer default; each edit on a copy of the folder moves the logits.
TEST(Gemma2Config, EditedConfigJsonTurnsFeaturesOff) {
  DS_REQUIRE_SHARED(std::string(kFolder) + "/config.json");
  const fs::path dir = test::scratch_dir("gemma2_edited_config");
  fs::copy_file(test::shared_data(std::string(kFolder) + "/model.safetensors"), dir / "model.safetensors");
  std::ifstream in(test::shared_data(std::string(kFolder) + "/config.json"));
  const nlohmann::json original = nlohmann::json::parse(in);
  for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"attn_logit_softcapping", nullptr},
           {"final_logit_softcapping", nullptr},
           {"layer_types", {"full_attention", "full_attention", "full_attention", "full_attention"}},
           {"query_pre_attn_scalar", 32}}) {
    nlohmann::json edited = original;
    edited[key] = value;
    test::write_text(dir / "config.json", edited.dump());
    const LoadedCheckpoint ck = load_checkpoint(dir.string());
    const auto [autograd, rows] = distance(ck.config, ck.weights);
    EXPECT_GT(autograd, 0.4) << key;
    EXPECT_GT(rows, 0.4) << key;
  }
}

// A random Gemma stores its norm weights as 0 (factor 1, as Hugging Face initialises Gemma's
// RMSNorm) and computes what a model with plain norms of weight 1 computes.
TEST(Gemma2Init, RandomNormWeightsAreStoredAsZero) {
  ModelConfig c;
  c.family = ModelFamily::gemma2;
  c.vocab_size = 50;
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_layers = 2;
  c.num_heads = 2;
  c.num_kv_heads = 1;
  c.head_dim = 8;
  c.norm_scheme = NormScheme::sandwich;
  c.norm_plus_one = true;
  const Transformer gemma = Transformer::random(c, 4);
  const LayerWeights& lw = gemma.weights().layers[1];
  for (const at::Tensor* w : {&lw.attn_norm_w, &lw.mlp_norm_w, &lw.attn_out_norm_w, &lw.mlp_out_norm_w,
                              &gemma.weights().final_norm_w})
    EXPECT_TRUE(at::equal(*w, at::zeros_like(*w)));
  ModelConfig plain = c;
  plain.norm_plus_one = false;
  ModelWeights ones = clone_weights(gemma.weights(), c);
  for (LayerWeights& l : ones.layers)
    for (at::Tensor* w : {&l.attn_norm_w, &l.mlp_norm_w, &l.attn_out_norm_w, &l.mlp_out_norm_w}) w->fill_(1.0);
  ones.final_norm_w.fill_(1.0);
  const at::Tensor tokens = at::arange(10, at::kLong).unsqueeze(0);
  EXPECT_TRUE(at::allclose(gemma.forward(tokens), Transformer(plain, ones).forward(tokens), 1e-6, 1e-6));
}

}  // namespace
}  // namespace depthscope
