// Packed weights in training's linear layers (core/model/packed_train_linear.h, off unless
// DEPTHSCOPE_PACKED_TRAIN=1): the same values and gradients as at::linear, and a weight updated
// in place is packed again before the next product.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "core/model/packed_gemm.h"
#include "core/model/packed_train_linear.h"

namespace depthscope {
namespace {

std::vector<std::vector<at::Tensor>> results;  // {y, dx, dW, db} per run

class PackedTrainingOn {
 public:
  PackedTrainingOn() : before_(packed_training_enabled()) { set_packed_training(true); }
  ~PackedTrainingOn() { set_packed_training(before_); }

 private:
  bool before_;
};

at::Tensor randn(std::vector<std::int64_t> shape, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return at::randn(shape, gen);
}

TEST(PackedTrainLinear, MatchesATenLinearInValuesAndGradients) {
  if (!packed_gemm_enabled()) GTEST_SKIP() << "no packed kernels on this CPU (or DEPTHSCOPE_PACKED_GEMM=0)";
  const PackedTrainingOn on;
  for (const bool with_bias : {false, true}) {
    const at::Tensor x0 = randn({3, 37, 70}, 1), w0 = randn({45, 70}, 2) * 0.1, b0 = randn({45}, 3);  // [B, T, K], [N, K], [N]
    const at::Tensor g = randn({3, 37, 45}, 4);  // dL/dy
    auto run = [&](bool packed) {
      at::Tensor x = x0.clone().set_requires_grad(true), w = w0.clone().set_requires_grad(true);
      at::Tensor b = with_bias ? b0.clone().set_requires_grad(true) : at::Tensor();
      ASSERT_EQ(packed_train_linear_applies(x, w, b), true);
      const at::Tensor y = packed ? packed_train_linear(x, w, b) : at::linear(x, w, b);  // [B, T, N]
      (y * g).sum().backward();
      results.push_back({y.detach(), x.grad(), w.grad(), with_bias ? b.grad() : at::Tensor()});
    };
    results.clear();
    run(true);
    run(false);
    ASSERT_EQ(results.size(), 2u);
    for (std::size_t i = 0; i < 4; ++i) {
      if (!results[0][i].defined()) continue;
      EXPECT_TRUE(at::allclose(results[0][i], results[1][i], 1e-5, 1e-5)) << "output " << i << " (bias " << with_bias << ")";
    }
  }
}

TEST(PackedTrainLinear, AWeightUpdatedInPlaceIsPackedAgain) {
  if (!packed_gemm_enabled()) GTEST_SKIP() << "no packed kernels on this CPU (or DEPTHSCOPE_PACKED_GEMM=0)";
  const PackedTrainingOn on;
  at::Tensor w = (randn({40, 24}, 5) * 0.1).set_requires_grad(true);
  const at::Tensor x = randn({9, 24}, 6).set_requires_grad(true);
  const at::Tensor before = packed_train_linear(x, w, at::Tensor()).detach();
  {
    at::NoGradGuard no_grad;
    w.add_(1.0);  // an optimizer step: the version counter moves
  }
  const at::Tensor after = packed_train_linear(x, w, at::Tensor()).detach();
  EXPECT_FALSE(at::allclose(before, after));
  EXPECT_TRUE(at::allclose(after, at::linear(x, w).detach(), 1e-5, 1e-5));
}

}  // namespace
}  // namespace depthscope
