// Adam's fused single-pass update against torch.optim.Adam's formula, written out in float64.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/train/adam.h"

namespace depthscope {
namespace {

void expect_follows_the_formula(double weight_decay, at::ScalarType dtype) {
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  at::Tensor p = at::randn({300, 7}, at::TensorOptions().dtype(dtype)).set_requires_grad(true);  // [300, 7]
  at::Tensor ref = p.detach().to(at::kDouble).clone(), m = at::zeros_like(ref), v = at::zeros_like(ref);
  AdamOptions o;
  o.weight_decay = weight_decay;
  Adam adam({{"w", p}}, o);
  for (int t = 1; t <= 3; ++t) {
    const at::Tensor g = at::randn({300, 7}, at::TensorOptions().dtype(dtype));
    p.mutable_grad() = g;
    adam.step(lr);
    const at::Tensor gd = g.to(at::kDouble);
    ref = ref * (1 - lr * weight_decay);
    m = b1 * m + (1 - b1) * gd;
    v = b2 * v + (1 - b2) * gd * gd;
    const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
    ref = ref - lr / bc1 * m / (v.sqrt() / std::sqrt(bc2) + eps);
    const double tol = dtype == at::kFloat ? 2e-6 : 1e-12;
    EXPECT_TRUE(at::allclose(p.detach().to(at::kDouble), ref, tol, tol))
        << "step " << t << ": max abs diff " << (p.detach().to(at::kDouble) - ref).abs().max().item<double>();
    EXPECT_TRUE(at::allclose(adam.state()[0].second.to(at::kDouble), m, tol, tol)) << "exp_avg, step " << t;
    EXPECT_TRUE(at::allclose(adam.state()[1].second.to(at::kDouble), v, tol, tol)) << "exp_avg_sq, step " << t;
  }
  EXPECT_EQ(adam.steps(), 3);
}

TEST(Adam, FusedUpdateFollowsTorchsFormula) {
  expect_follows_the_formula(0.0, at::kFloat);
  expect_follows_the_formula(0.1, at::kFloat);  // AdamW
  expect_follows_the_formula(0.0, at::kDouble);
}

TEST(Adam, ParametersWithoutGradientAreLeftAlone) {
  at::Tensor a = at::ones({4}).set_requires_grad(true), b = at::ones({4}).set_requires_grad(true);
  Adam adam({{"a", a}, {"b", b}}, AdamOptions{});
  a.mutable_grad() = at::ones({4});
  adam.step(0.1);
  EXPECT_TRUE(at::allclose(a.detach(), at::full({4}, 0.9)));  // first step: p - lr * sign(g)
  EXPECT_TRUE(at::equal(b.detach(), at::ones({4})));
}

}  // namespace
}  // namespace depthscope
