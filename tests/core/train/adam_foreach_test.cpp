// The multi-tensor Adam update (core/train/adam_foreach.h) against Adam::step: the same
// operations in the same order, so the same numbers.
#include "core/train/adam_foreach.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/train/adam.h"

namespace depthscope {
namespace {

// Three parameters of different shapes with gradients, seeded.
std::vector<std::pair<std::string, at::Tensor>> params_with_grads(std::uint64_t seed) {
  at::manual_seed(seed);
  std::vector<std::pair<std::string, at::Tensor>> ps;
  for (auto shape : {std::vector<std::int64_t>{7, 5}, {13}, {3, 4, 2}}) {
    at::Tensor p = at::randn(shape);
    p.mutable_grad() = at::randn(shape) * 0.1;
    ps.emplace_back("p" + std::to_string(ps.size()), p);
  }
  return ps;
}

TEST(AdamForeach, EqualsAdamStepOverSeveralSteps) {
  for (double wd : {0.0, 0.1}) {
    auto a = params_with_grads(3), b = params_with_grads(3);
    AdamOptions o;
    o.weight_decay = wd;
    Adam adam(a, o);  // the class's own update (the fused CPU loop)
    std::vector<at::Tensor> p, g, m, v;
    for (auto& [name, t] : b) {
      p.push_back(t);
      g.push_back(t.grad());
      m.push_back(at::zeros_like(t));
      v.push_back(at::zeros_like(t));
    }
    const double lr = 1e-2;
    for (int t = 1; t <= 4; ++t) {
      adam.step(lr);
      AdamForeachStep s;
      s.step_size = lr / (1.0 - std::pow(s.beta1, t));
      s.sqrt_bc2 = std::sqrt(1.0 - std::pow(s.beta2, t));
      s.decay = 1.0 - lr * wd;
      adam_update_foreach(p, g, m, v, s);
    }
    const NamedTensors state = adam.state();
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(at::allclose(a[i].second, p[i], 1e-6, 1e-7)) << "wd " << wd << " tensor " << i;
      EXPECT_TRUE(at::allclose(state[2 * i].second, m[i], 1e-6, 1e-8)) << "m " << i;
      EXPECT_TRUE(at::allclose(state[2 * i + 1].second, v[i], 1e-6, 1e-10)) << "v " << i;
      EXPECT_GT((a[i].second - params_with_grads(3)[i].second).abs().max().item<double>(), 0.0);  // it moved
    }
  }
}

TEST(AdamForeach, RefusesListsOfDifferentLengths) {
  const at::Tensor t = at::zeros({2});
  EXPECT_ANY_THROW(adam_update_foreach({t, t}, {t}, {t, t}, {t, t}, AdamForeachStep{}));
  adam_update_foreach({}, {}, {}, {}, AdamForeachStep{});  // nothing to do
}

}  // namespace
}  // namespace depthscope
