#include "core/analysis/block_jacobian.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/model/transformer.h"
#include "tests/core/analysis/analysis_test_models.h"

namespace depthscope {
namespace {

TEST(BlockJacobian, AnIdentityBlockHasTheIdentityJacobian) {
  Transformer model = test::small_random_model(3);
  test::zero_output_projections(model, 2);
  const BlockJacobianResult r = block_jacobian(model, test::test_tokens(20), 2);
  EXPECT_EQ(r.layer, 2);
  EXPECT_EQ(r.dim, 16);
  EXPECT_EQ(r.tokens, 20);
  EXPECT_EQ(r.positions.size(), 8u);
  ASSERT_EQ(r.jacobian.size(), 256u);
  for (std::int64_t i = 0; i < 16; ++i)
    for (std::int64_t j = 0; j < 16; ++j)
      EXPECT_EQ(r.jacobian[i * 16 + j], i == j ? 1.0 : 0.0) << i << "," << j;  // exact: autograd
  EXPECT_DOUBLE_EQ(r.diagonal_dominance, 1.0);
  EXPECT_DOUBLE_EQ(r.identity_distance, 0.0);
}

// dn/dx of RMSNorm n(x) = w * x / sqrt(mean(x^2) + eps): w_i (r d_ij - r^3 x_i x_j / d).
at::Tensor rms_norm_jacobian(const at::Tensor& x, const at::Tensor& w, double eps) {  // x [d] -> [d, d]
  const double d = static_cast<double>(x.size(0));
  const double r = 1.0 / std::sqrt(x.pow(2).mean().item<double>() + eps);
  return w.unsqueeze(1) * (at::eye(x.size(0), at::kDouble) * r - at::outer(x, x) * (r * r * r / d));
}

// A block whose Jacobian is known in closed form: q = k = 0 makes attention uniform over the
// causal prefix (token t averages tokens 0..t), and a zero down projection switches the MLP
// off. Then y_t = x_t + A mean_{t'<=t} n(x_t'), with A = W_o (both query heads share the one
// KV head) W_v, so dy_t/dx_t = I + A n'(x_t) / (t + 1) -- while a uniform shift of every token
// would measure I + A mean_{t'<=t} n'(x_t') instead.
TEST(BlockJacobian, MatchesTheClosedFormOfAUniformAttentionBlock) {
  Transformer model = test::small_random_model(2, 11);
  LayerWeights& lw = model.mutable_weights().layers[0];
  lw.wq = at::zeros_like(lw.wq);
  lw.wk = at::zeros_like(lw.wk);
  lw.w_down = at::zeros_like(lw.w_down);
  lw.attn_norm_w = at::linspace(0.5, 1.5, 16);  // a non-trivial norm weight
  const std::int64_t T = 6;
  const auto tokens = test::test_tokens(T);
  BlockJacobianOptions o;
  o.n_ctx = T;
  o.positions = T;  // every position
  const BlockJacobianResult r = block_jacobian(model, tokens, 1, o);
  ASSERT_EQ(r.positions.size(), static_cast<size_t>(T));

  const at::Tensor x = model.embed(at::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.end())).view({1, T}))
                           .squeeze(0).to(at::kDouble);                                  // [T, d]
  const at::Tensor wo = lw.wo.to(at::kDouble), wv = lw.wv.to(at::kDouble);             // [16, 16], [8, 16]
  const at::Tensor A = at::matmul(wo.slice(1, 0, 8) + wo.slice(1, 8, 16), wv);         // [16, 16]
  const at::Tensor w = lw.attn_norm_w.to(at::kDouble);
  const double eps = model.config().norm_eps;
  at::Tensor per_token = at::zeros({16, 16}, at::kDouble), shifted = at::zeros({16, 16}, at::kDouble);
  at::Tensor prefix_sum = at::zeros({16, 16}, at::kDouble);
  for (std::int64_t t = 0; t < T; ++t) {
    const at::Tensor nj = rms_norm_jacobian(x[t], w, eps);
    prefix_sum = prefix_sum + nj;
    per_token = per_token + at::matmul(A, nj) / static_cast<double>(t + 1);
    shifted = shifted + at::matmul(A, prefix_sum) / static_cast<double>(t + 1);
  }
  const at::Tensor expected = at::eye(16, at::kDouble) + per_token / static_cast<double>(T);
  const at::Tensor uniform_shift = at::eye(16, at::kDouble) + shifted / static_cast<double>(T);
  const at::Tensor got = at::tensor(r.jacobian, at::kDouble).view({16, 16});
  EXPECT_LT((got - expected).abs().max().item<double>(), 2e-6);       // float32 forward
  EXPECT_GT((got - uniform_shift).abs().max().item<double>(), 1e-2);  // the old definition differs
}

TEST(BlockJacobian, AgreesWithFiniteDifferencesOnAFullBlock) {
  const Transformer model = test::small_random_model(3);
  const std::int64_t T = 12;
  const auto tokens = test::test_tokens(T);
  BlockJacobianOptions o;
  o.n_ctx = T;
  o.positions = 1;  // position 6 only
  const BlockJacobianResult r = block_jacobian(model, tokens, 1, o);
  ASSERT_EQ(r.positions, std::vector<std::int64_t>{6});
  EXPECT_GT(r.identity_distance, 0.01);
  EXPECT_LT(r.diagonal_dominance, 1.0);
  // Column 3 by a centred difference on token 6 alone (double precision forward).
  at::NoGradGuard no_grad;
  const at::Tensor x = model.embed(at::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.end())).view({1, T}));
  const double eps = 1e-2;
  at::Tensor shift = at::zeros({1, T, 16});
  shift[0][6][3] = eps;
  const at::Tensor col = (model.block(1, x + shift).to(at::kDouble) - model.block(1, x - shift).to(at::kDouble))[0][6] / (2 * eps);
  for (std::int64_t i = 0; i < 16; ++i) EXPECT_NEAR(r.jacobian[i * 16 + 3], col[i].item<double>(), 2e-3) << i;
}

TEST(BlockJacobian, RefusesWhatDoesNotFitWithTheEstimate) {
  const Transformer model = test::small_random_model(2);
  BlockJacobianOptions o;
  o.memory_budget_bytes = 1000;
  try {
    block_jacobian(model, test::test_tokens(8), 1, o);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("KiB"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("needs about"), std::string::npos) << e.what();
  }
  EXPECT_THROW(block_jacobian(model, test::test_tokens(8), 3), UsageError);
  EXPECT_THROW(block_jacobian(model, test::test_tokens(8), 0), UsageError);
  // The estimate grows with the square of the width.
  ModelConfig big = model.config();
  big.hidden_size = 8192;
  EXPECT_GT(block_jacobian_memory_estimate(big, 8), 2LL * 8192 * 8192 * 8);
}

}  // namespace
}  // namespace depthscope
