// The paper's initialisation for each scheme (docs/paper.md, "Comparison schemes"), checked
// on the empirical standard deviation of large weight matrices (within 5%).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/model/transformer.h"

namespace depthscope {
namespace {

ModelConfig init_config(NormScheme scheme, std::int64_t layers) {
  ModelConfig c;
  c.vocab_size = 64;
  c.hidden_size = 256;
  c.intermediate_size = 512;
  c.num_layers = layers;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 32;
  c.norm_scheme = scheme;
  return c;
}

double std_of(const at::Tensor& w) { return w.to(at::kDouble).std(/*unbiased=*/false).item<double>(); }

void expect_std(const at::Tensor& w, double expected, const char* what) {
  EXPECT_NEAR(std_of(w) / expected, 1.0, 0.05) << what << ": std " << std_of(w) << ", expected " << expected;
}

TEST(Init, PreLnLinearAndEmbeddingWeightsAreNormalTwoHundredths) {
  const Transformer m = Transformer::random(init_config(NormScheme::pre, 4), 1);
  const LayerWeights& lw = m.weights().layers[2];
  expect_std(m.weights().tok_embeddings, 0.02, "embeddings");
  expect_std(lw.wq, 0.02, "q_proj");
  expect_std(lw.wo, 0.02, "o_proj");
  expect_std(lw.w_down, 0.02, "down_proj");
}

// DeepNet: Xavier-normal, std = gain * sqrt(2 / (fan_in + fan_out)); gain beta = (8N)^(-1/4)
// on v, o and the FFN, 1 on q and k.
TEST(Init, DeepNormIsXavierNormalWithBetaOnValueOutputAndFfn) {
  const std::int64_t L = 8;
  const ModelConfig c = init_config(NormScheme::deepnorm, L);
  const Transformer m = Transformer::random(c, 2);
  const double beta = std::pow(8.0 * L, -0.25);
  EXPECT_DOUBLE_EQ(deepnorm_beta(c), beta);
  const double d = 256, q = 4 * 64, kv = 2 * 64, ff = 512;
  const LayerWeights& lw = m.weights().layers[5];
  expect_std(lw.wq, std::sqrt(2.0 / (d + q)), "q_proj (gain 1)");
  expect_std(lw.wk, std::sqrt(2.0 / (d + kv)), "k_proj (gain 1)");
  expect_std(lw.wv, beta * std::sqrt(2.0 / (d + kv)), "v_proj (gain beta)");
  expect_std(lw.wo, beta * std::sqrt(2.0 / (q + d)), "o_proj (gain beta)");
  expect_std(lw.w_gate, beta * std::sqrt(2.0 / (d + ff)), "gate_proj (gain beta)");
  expect_std(lw.w_up, beta * std::sqrt(2.0 / (d + ff)), "up_proj (gain beta)");
  expect_std(lw.w_down, beta * std::sqrt(2.0 / (ff + d)), "down_proj (gain beta)");
  expect_std(m.weights().tok_embeddings, 0.02, "embeddings stay normal(0, 0.02)");
}

TEST(Init, ScaledInitShrinksOutputAndDownProjections) {
  const std::int64_t L = 12;
  const Transformer m = Transformer::random(init_config(NormScheme::scaled_init, L), 3);
  const LayerWeights& lw = m.weights().layers[0];
  expect_std(lw.wo, 0.02 / std::sqrt(2.0 * L), "o_proj");
  expect_std(lw.w_down, 0.02 / std::sqrt(2.0 * L), "down_proj");
  expect_std(lw.wq, 0.02, "q_proj unchanged");
  expect_std(lw.w_up, 0.02, "up_proj unchanged");
}

TEST(Init, LayerScaleFollowsCaiTsDepthRuleUnlessSet) {
  const auto lambda_of = [](std::int64_t layers, double user) {
    ModelConfig c = init_config(NormScheme::layerscale, layers);
    c.hidden_size = 32;
    c.intermediate_size = 32;
    c.num_heads = 2;
    c.num_kv_heads = 2;
    c.layerscale_init = user;
    const Transformer m = Transformer::random(c, 4);
    const LayerWeights& lw = m.weights().layers[0];
    EXPECT_TRUE(at::equal(lw.attn_scale, lw.mlp_scale));
    EXPECT_EQ(lw.attn_scale.min().item<float>(), lw.attn_scale.max().item<float>());
    return static_cast<double>(lw.attn_scale[0].item<float>());
  };
  EXPECT_FLOAT_EQ(lambda_of(12, 0), 0.1f);
  EXPECT_FLOAT_EQ(lambda_of(18, 0), 0.1f);
  EXPECT_FLOAT_EQ(lambda_of(19, 0), 1e-5f);
  EXPECT_FLOAT_EQ(lambda_of(24, 0), 1e-5f);
  EXPECT_FLOAT_EQ(lambda_of(25, 0), 1e-6f);
  EXPECT_FLOAT_EQ(lambda_of(30, 0.05), 0.05f);  // set by the user
}

}  // namespace
}  // namespace depthscope
