#include "core/analysis/block_jacobian.h"

#include <ATen/ATen.h>
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
  ASSERT_EQ(r.jacobian.size(), 256u);
  for (std::int64_t i = 0; i < 16; ++i)
    for (std::int64_t j = 0; j < 16; ++j)
      EXPECT_NEAR(r.jacobian[i * 16 + j], i == j ? 1.0 : 0.0, 1e-3) << i << "," << j;
  EXPECT_NEAR(r.diagonal_dominance, 1.0, 1e-3);
  EXPECT_NEAR(r.identity_distance, 0.0, 1e-3);
}

TEST(BlockJacobian, ARealBlockMatchesALargerStepAndIsNotTheIdentity) {
  const Transformer model = test::small_random_model(3);
  const auto tokens = test::test_tokens(12);
  const BlockJacobianResult a = block_jacobian(model, tokens, 1);
  BlockJacobianOptions o;
  o.epsilon_rel = 1e-2;
  const BlockJacobianResult b = block_jacobian(model, tokens, 1, o);
  double max_diff = 0;
  for (size_t i = 0; i < a.jacobian.size(); ++i) max_diff = std::max(max_diff, std::abs(a.jacobian[i] - b.jacobian[i]));
  EXPECT_LT(max_diff, 2e-3);  // finite differences are stable across step sizes
  EXPECT_GT(a.identity_distance, 0.01);
  EXPECT_GT(a.diagonal_dominance, 0.0);
  EXPECT_LT(a.diagonal_dominance, 1.0);
  // Column 3 equals the centred difference computed here for that unit alone (the batched
  // forward may round differently: within the finite-difference noise).
  at::Tensor x = model.embed(at::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.end())).view({1, 12}));
  const double rms = x.to(at::kDouble).pow(2).mean().sqrt().item<double>();
  const double eps = 1e-3 * rms;
  at::Tensor shift = at::zeros({1, 1, 16});
  shift[0][0][3] = eps;
  const at::Tensor col = (model.block(1, x + shift).to(at::kDouble) - model.block(1, x - shift).to(at::kDouble)).mean(1) / (2 * eps);
  for (std::int64_t i = 0; i < 16; ++i) EXPECT_NEAR(a.jacobian[i * 16 + 3], col[0][i].item<double>(), 2e-4);
}

TEST(BlockJacobian, RefusesWhatDoesNotFitWithTheEstimate) {
  const Transformer model = test::small_random_model(2);
  BlockJacobianOptions o;
  o.memory_budget_bytes = 1000;
  try {
    block_jacobian(model, test::test_tokens(8), 1, o);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("MiB"), std::string::npos) << e.what();
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
