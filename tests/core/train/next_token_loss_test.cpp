// The training loss's two-pass CPU kernel against at::cross_entropy_loss: value and gradient,
// with and without a response mask.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "core/train/next_token_loss.h"

namespace depthscope {
namespace {

void expect_matches_reference(std::int64_t N, std::int64_t V, bool masked, at::ScalarType dtype) {
  const double tol = dtype == at::kDouble ? 1e-12 : 2e-6;
  const at::Tensor x0 = at::randn({N, V}, at::TensorOptions().dtype(dtype)) * 3;  // [N, V]
  const at::Tensor targets = at::randint(0, V, {N}, at::kLong);                   // [N]
  at::Tensor mask;
  if (masked) {
    mask = (at::rand({N}) > 0.4).to(at::kFloat);  // [N]
    mask[0] = 1;
  }
  std::vector<at::Tensor> got, want;
  for (bool kernel : {true, false}) {
    at::Tensor x = x0.detach().requires_grad_(true);
    const at::Tensor loss = kernel ? next_token_loss(x, targets, mask) : next_token_loss_reference(x, targets, mask);
    (loss * 0.5).backward();
    (kernel ? got : want) = {loss.detach(), x.grad()};
  }
  EXPECT_NEAR(got[0].item<double>(), want[0].item<double>(), tol * 10) << N << " x " << V;
  EXPECT_TRUE(at::allclose(got[1], want[1], tol, tol))
      << N << " x " << V << ": gradient max abs diff " << (got[1] - want[1]).abs().max().item<double>();
  at::NoGradGuard no_grad;
  EXPECT_NEAR(next_token_loss(x0, targets, mask).item<double>(), want[0].item<double>(), tol * 10);
}

TEST(NextTokenLoss, MatchesCrossEntropyWithGradients) {
  for (int threads : {1, 2}) {
    const int before = at::get_num_threads();
    at::set_num_threads(threads);
    expect_matches_reference(37, 256, false, at::kFloat);     // row blocks of 256 rows
    expect_matches_reference(37, 256, true, at::kFloat);
    expect_matches_reference(9, 70000, false, at::kFloat);    // blocks of one row
    expect_matches_reference(20, 1000, true, at::kDouble);
    at::set_num_threads(before);
  }
}

TEST(NextTokenLoss, AllMaskedGivesZero) {
  at::Tensor x = at::randn({5, 11}).requires_grad_(true);
  const at::Tensor loss = next_token_loss(x, at::zeros({5}, at::kLong), at::zeros({5}));
  loss.backward();
  EXPECT_EQ(loss.item<double>(), 0.0);
  EXPECT_EQ(x.grad().abs().max().item<double>(), 0.0);
}

}  // namespace
}  // namespace depthscope
