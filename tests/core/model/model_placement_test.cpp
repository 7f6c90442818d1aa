// Putting a model on a device (model_placement.h) and the per-device compute weights
// (compute_weights.h), checked on the CPU: the CPU path is unchanged (no copies, identical
// logits), moving keeps dtypes and a tied head tied (to the meta device, which every build
// has), and the GPU's GEMM rule for F16/BF16 matrices gives what it says.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "core/model/compute_weights.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "tests/core/meta_trace_models.h"

namespace depthscope {
namespace {

// Pre-LN, two kv heads, tied head.
ModelConfig tied_config() {
  ModelConfig c = test::meta_trace_config(3);
  c.num_kv_heads = 2;
  c.max_position = 32;
  c.norm_scheme = NormScheme::pre;
  c.tie_word_embeddings = true;
  return c;
}

at::Tensor tokens(std::int64_t vocab) {
  return at::arange(0, 10, at::kLong).mul(5).remainder(vocab).view({1, 10});  // [1, 10]
}

TEST(ModelPlacement, OnTheCpuNothingIsCopiedAndLogitsAreIdentical) {
  const Transformer model = Transformer::random(tied_config(), 4);
  const Transformer same = model_on(model, at::Device(at::kCPU));
  EXPECT_TRUE(same.device().is_cpu());
  EXPECT_EQ(same.weights().layers[1].wq.data_ptr(), model.weights().layers[1].wq.data_ptr());
  EXPECT_EQ(same.weights().tok_embeddings.data_ptr(), model.weights().tok_embeddings.data_ptr());
  at::NoGradGuard no_grad;
  EXPECT_TRUE(at::equal(same.forward(tokens(61)), model.forward(tokens(61))));
}

TEST(ModelPlacement, MovingKeepsEveryDtypeAndTheTiedHeadTied) {
  const ModelConfig c = tied_config();
  const Transformer model = Transformer::random(c, 5);
  ModelWeights w = model.weights();
  w.layers[0].wq = w.layers[0].wq.to(at::kBFloat16);  // a mixed-dtype model
  w.layers[2].w_down = w.layers[2].w_down.to(at::kHalf);
  ASSERT_TRUE(w.lm_head.is_same(w.tok_embeddings));
  const ModelWeights moved = weights_on(w, at::Device(at::kMeta));
  EXPECT_TRUE(moved.tok_embeddings.is_meta());
  EXPECT_TRUE(moved.layers[2].mlp_norm_w.is_meta());
  EXPECT_TRUE(moved.lm_head.is_same(moved.tok_embeddings)) << "a tied head is moved once and stays tied";
  EXPECT_EQ(moved.layers[0].wq.scalar_type(), at::kBFloat16);
  EXPECT_EQ(moved.layers[2].w_down.scalar_type(), at::kHalf);
  EXPECT_EQ(moved.layers[1].wq.scalar_type(), at::kFloat);
  EXPECT_EQ(moved.layers[0].wq.sizes(), w.layers[0].wq.sizes());
  EXPECT_FALSE(moved.layers[0].bq.defined());  // absent stays absent
}

TEST(ComputeWeights, OnTheCpuEveryWeightIsWidenedExactly) {
  const at::Tensor w = at::randn({8, 16}).to(at::kBFloat16);
  const at::Tensor wide = compute_weight(w);
  EXPECT_EQ(wide.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(wide, w.to(at::kFloat)));
  const at::Tensor f = at::randn({8, 16});
  EXPECT_TRUE(compute_weight(f).is_same(f));
  EXPECT_FALSE(compute_weight(at::Tensor()).defined());
}

// The GPU's rule, exercised on the CPU: a BF16 matrix multiplies in BF16, the result comes
// back float32; a float32 matrix is at::linear itself.
TEST(ComputeWeights, LinearInTheMatrixDtypeReturnsFloat32) {
  at::manual_seed(3);
  const at::Tensor x = at::randn({2, 5, 16});  // [B, T, in]
  const at::Tensor w = at::randn({8, 16}), b = at::randn({8});
  EXPECT_TRUE(at::equal(linear_f32(x, w, b), at::linear(x, w, b)));
  const at::Tensor w16 = w.to(at::kBFloat16);
  const at::Tensor y = linear_f32(x, w16, b);  // [B, T, out]
  EXPECT_EQ(y.scalar_type(), at::kFloat);
  EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{2, 5, 8}));
  EXPECT_TRUE(at::equal(y, at::linear(x.to(at::kBFloat16), w16, b.to(at::kBFloat16)).to(at::kFloat)));
  // Close to the float32 product (BF16 keeps 8 significant bits).
  EXPECT_TRUE(at::allclose(y, at::linear(x, w16.to(at::kFloat), b), 5e-2, 1e-1));
  EXPECT_TRUE(at::equal(linear_f32(x, w16), at::linear(x.to(at::kBFloat16), w16).to(at::kFloat)));
}

}  // namespace
}  // namespace depthscope

namespace depthscope {
namespace {

// The forward off the CPU, traced on the meta device (shapes and dtypes only, no numbers; a
// stand-in for a GPU here):
// the block takes the ATen path, F16/BF16 matrices stay as they are, activations are float32.
TEST(ModelPlacement, OffTheCpuTheForwardKeepsMatrixDtypesAndFloat32Activations) {
  ModelConfig c = tied_config();
  c.num_kv_heads = c.num_heads;  // (no meta repeat_interleave in LibTorch 1.13 for grouped heads)
  const Transformer model = Transformer::random(c, 6);
  ModelWeights w = model.weights();
  for (LayerWeights& lw : w.layers)
    for (at::Tensor* m : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down})
      *m = m->to(at::kBFloat16);
  w.tok_embeddings = w.tok_embeddings.to(at::kBFloat16);
  w.lm_head = w.tok_embeddings;
  const Transformer meta(c, weights_on(w, at::Device(at::kMeta)));
  const LayerWeights lw = compute_layer(meta.weights().layers[0]);
  EXPECT_EQ(lw.wq.scalar_type(), at::kBFloat16);       // not widened
  EXPECT_EQ(lw.attn_norm_w.scalar_type(), at::kFloat);  // vectors are
  at::NoGradGuard no_grad;
  // (LibTorch 1.13 has no meta embedding; the block and the head are what is traced.)
  const at::Tensor x = at::empty({1, 10, c.hidden_size}, at::TensorOptions().device(at::kMeta));  // [1, 10, d]
  const at::Tensor y = meta.block(1, x);
  EXPECT_TRUE(y.is_meta());
  EXPECT_EQ(y.scalar_type(), at::kFloat);
  EXPECT_EQ(y.sizes(), x.sizes());
  const at::Tensor logits = meta.head(y);
  EXPECT_EQ(logits.scalar_type(), at::kFloat);
  EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{1, 10, 61}));
}

}  // namespace
}  // namespace depthscope
