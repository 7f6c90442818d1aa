// The statistics' per-window accumulation (core/analysis/layer_stats_window.h) on the meta device:
// meta tensors have no numbers, so any host read (.item(), a copy to the CPU) in the per-window
// loop throws here -- and would be a device sync on a GPU. One window goes through every layer
// with everything layer_statistics accumulates from it (probe sites, moments, per-token
// variances, cosine, logit-lens NLL, angular distances); only the final read-out reads.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/analysis/fused_formulas.h"
#include "core/analysis/layer_stats_window.h"
#include "core/analysis/residual_stats_probe.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "tests/core/meta_trace_models.h"

namespace depthscope {
namespace {

using test::kMeta;

Transformer meta_model(const ModelConfig& c) { return test::meta_bf16_model(c); }

TEST(LayerStatsWindowMeta, EveryLayerOfAWindowAccumulatesWithoutAHostRead) {
  const ModelConfig c = test::meta_trace_config(4);
  const Transformer model = meta_model(c);
  at::NoGradGuard no_grad;
  const std::int64_t T = 9, d = c.hidden_size, L = c.num_layers;
  // Token ids on the model's device, as layer_statistics moves them once per window.
  const at::Tensor tokens = at::arange(0, T, at::kLong).mul(7).remainder(c.vocab_size).view({1, T}).to(kMeta);
  at::Tensor x = at::empty({1, T, d}, at::TensorOptions().device(kMeta).dtype(at::kFloat));  // x_1
  formulas::TokenSums s = fused::token_sums(x);
  std::vector<LayerAccumulator> acc(static_cast<std::size_t>(L));
  std::vector<std::vector<TokenMean>> all(static_cast<std::size_t>(L), std::vector<TokenMean>(static_cast<std::size_t>(L)));
  std::vector<std::vector<TokenMean>> last = all;
  std::vector<at::Tensor> history{x};
  for (std::int64_t l = 1; l <= L; ++l) {
    LayerAccumulator& a = acc[static_cast<std::size_t>(l - 1)];
    ASSERT_NO_THROW(x = window_through_layer(model, l, x, s, tokens, /*logit_lens=*/true, a)) << "layer " << l;
    EXPECT_TRUE(x.is_meta());
    EXPECT_EQ(x.sizes(), at::IntArrayRef({1, T, d}));
    history.push_back(x);
    for (std::int64_t k = 1; k <= l; ++k)
      ASSERT_NO_THROW(window_angular_distance(history[static_cast<std::size_t>(k - 1)], x,
                                              all[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)],
                                              last[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(l - 1)]))
          << "d(" << k << ", " << l + 1 << ")";
  }
  // Everything was accumulated, and stays on the device until read.
  for (const LayerAccumulator& a : acc) {
    for (const DeferredMoments* m : {&a.input, &a.output, &a.attn_in, &a.mlp_in}) {
      ASSERT_EQ(m->parts.size(), 1u);
      EXPECT_TRUE(m->parts[0].parts.is_meta());
      EXPECT_EQ(m->parts[0].parts.sizes(), at::IntArrayRef({3}));
    }
    for (const TokenMean* t : {&a.input_token_var, &a.output_token_var, &a.attn_ratio, &a.mlp_ratio, &a.cosine, &a.lens_nll}) {
      ASSERT_TRUE(t->sum.defined());
      EXPECT_TRUE(t->sum.is_meta());
      EXPECT_EQ(t->sum.dim(), 0);
      EXPECT_EQ(t->sum.scalar_type(), at::kDouble);
    }
    EXPECT_EQ(a.input_token_var.count, static_cast<double>(T));
    EXPECT_EQ(a.lens_nll.count, static_cast<double>(T - 1));
  }
  EXPECT_EQ(last[0][L - 1].count, 1.0);
  EXPECT_TRUE(all[0][L - 1].sum.is_meta());
  // The read-out is where the numbers are read (meta has none): not before.
  EXPECT_ANY_THROW(acc[0].finish(1, true));
}

TEST(LayerStatsWindowMeta, ResidualStatsProbeRecordsWithoutAHostRead) {
  const ModelConfig c = test::meta_trace_config(3);
  const Transformer model = meta_model(c);
  at::NoGradGuard no_grad;
  ResidualStatsProbe probe(c.num_layers);
  at::Tensor x = at::empty({1, 5, c.hidden_size}, at::TensorOptions().device(kMeta).dtype(at::kFloat));
  for (std::int64_t l = 1; l <= c.num_layers; ++l) ASSERT_NO_THROW(x = model.block(l, x, &probe)) << "layer " << l;
  EXPECT_ANY_THROW(probe.stats());  // the read
}

}  // namespace
}  // namespace depthscope
