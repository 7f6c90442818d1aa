// A training step's tensor path off the CPU, traced on the meta device (shapes and dtypes, no
// numbers): a stand-in for a GPU here (see tests/core/analysis/meta_device_trace_test.cpp for
// what meta catches and what it cannot run in LibTorch 1.13). The trace covers what
// train_step (core/train/train_step.cpp) does on the device between the embedding and the
// first .item(): the forward under the bf16 autocast region (a no-op off CUDA), the loss
// against targets on the device, the backward through every weight, the per-tensor gradient
// norms, and Adam's update of parameters and moments on the device.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "core/model/model_placement.h"
#include "core/model/rms_norm_lns.h"
#include "core/model/transformer.h"
#include "core/train/adam.h"
#include "core/train/autocast_region.h"
#include "core/train/next_token_loss.h"
#include "core/train/train_step.h"
#include "tests/core/meta_trace_models.h"

namespace depthscope {
namespace {

using test::kMeta;

ModelConfig trace_config() { return test::meta_trace_config(3); }

TEST(MetaDeviceTrainTrace, ForwardBackwardAndAdamStayOnTheModelsDevice) {
  const ModelConfig c = trace_config();
  // As the trainer places a run on --device cuda: float32 master weights moved as they are.
  Transformer model(c, weights_on(Transformer::random(c, 3).weights(), kMeta));
  const NamedParams params = trainable_parameters(model);
  Adam adam(params, AdamOptions{});
  const std::int64_t B = 2, T = 8, d = c.hidden_size;
  // A batch as the trainer moves it to the device: [B, T+1].
  const at::Tensor batch = at::arange(0, B * (T + 1), at::kLong).remainder(c.vocab_size).view({B, T + 1}).to(kMeta);
  at::Tensor logits;  // [B, T, V]
  {
    const Bf16Autocast autocast(true);
    // (LibTorch 1.13 has no meta embedding: x_1 stands in for embed(), and the embedding
    // table gets no gradient in this trace.)
    at::Tensor x = at::empty({B, T, d}, at::TensorOptions().device(kMeta));
    for (std::int64_t l = 1; l <= c.num_layers; ++l) x = model.block(l, x);
    logits = model.head(x);
  }
  logits = logits.to(at::kFloat);
  ASSERT_TRUE(logits.is_meta());
  const at::Tensor targets = batch.slice(1, 1, T + 1).reshape({-1});                  // [B*T]
  const at::Tensor mask = at::ones({B, T}, at::TensorOptions().device(kMeta)).reshape({-1});  // [B*T]
  for (const at::Tensor& m : {at::Tensor(), mask}) {
    const at::Tensor loss = next_token_loss(logits.reshape({-1, logits.size(-1)}), targets, m);
    EXPECT_TRUE(loss.is_meta());
    EXPECT_EQ(loss.dim(), 0);
  }
  const at::Tensor loss = next_token_loss(logits.reshape({-1, logits.size(-1)}), targets, mask);
  loss.backward();
  std::vector<at::Tensor> norms;
  std::size_t with_grad = 0;
  for (const auto& [name, p] : params) {
    if (!p.grad().defined()) continue;
    ++with_grad;
    EXPECT_TRUE(p.grad().is_meta()) << name;
    EXPECT_EQ(p.grad().scalar_type(), at::kFloat) << name;
    EXPECT_EQ(p.grad().sizes(), p.sizes()) << name;
    norms.push_back(at::linalg_vector_norm(p.grad()).to(at::kDouble));  // global_norm on a GPU
  }
  EXPECT_EQ(with_grad, params.size() - 1) << "every weight but the (untraced) embedding has a gradient";
  EXPECT_TRUE(at::stack(norms).pow(2).sum().sqrt().is_meta());
  {
    at::NoGradGuard no_grad;
    for (const auto& [name, p] : params)
      if (p.grad().defined()) p.mutable_grad().mul_(0.5);  // clipping
  }
  adam.step(1e-3);  // meta tensors take Adam's ATen update (CUDA float32 ones the _foreach_ one)
  for (const auto& [name, t] : adam.state()) EXPECT_TRUE(t.is_meta()) << name;
  for (const auto& [name, p] : params) EXPECT_TRUE(p.is_meta()) << name;
}

// The RMSNorm x LNS autograd Function (the fused kernels' path on CUDA) runs its references on
// other devices: forward and backward stay on the input's device.
TEST(MetaDeviceTrainTrace, RmsNormLnsFunctionStaysOnTheInputsDevice) {
  const at::TensorOptions o = at::TensorOptions().device(kMeta);
  const at::Tensor x = at::empty({2, 5, 16}, o).set_requires_grad(true);  // [B, T, d]
  const at::Tensor w = at::empty({16}, o).set_requires_grad(true);        // [d]
  const at::Tensor y = rms_norm_lns_function(x, w, 1e-5, 0.5);
  EXPECT_TRUE(y.is_meta());
  y.sum().backward();
  EXPECT_TRUE(x.grad().is_meta());
  EXPECT_TRUE(w.grad().is_meta());
  EXPECT_EQ(w.grad().sizes(), w.sizes());
}

// A resumed run's moments must be where the weights are: the trainer moves them before
// load_state. Moments left on the CPU beside meta weights are a device mix, and meta says so.
TEST(MetaDeviceTrainTrace, AdamMomentsLeftOnTheCpuBesideDeviceWeightsAreCaught) {
  const at::Tensor p = at::zeros({4, 3}).to(kMeta).set_requires_grad(true);
  Adam adam({{"w", p}}, AdamOptions{});
  NamedTensors cpu_state{{"exp_avg/w", at::zeros({4, 3})}, {"exp_avg_sq/w", at::zeros({4, 3})}};
  adam.load_state(cpu_state, 1, "test");
  p.mutable_grad() = at::empty({4, 3}, p.options().requires_grad(false));
  EXPECT_ANY_THROW(adam.step(1e-3));
  NamedTensors moved = cpu_state;
  for (auto& [name, t] : moved) t = t.to(kMeta);  // what the trainer does
  adam.load_state(moved, 1, "test");
  EXPECT_NO_THROW(adam.step(1e-3));
  EXPECT_TRUE(p.is_meta());
}

}  // namespace
}  // namespace depthscope
