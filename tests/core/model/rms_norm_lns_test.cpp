// RMSNorm x weight x LNS scale: the CPU path is the Transformer's ATen composition unchanged,
// the kernels' CPU references match it, and the autograd Function's gradients (on CPU: the
// reference backward) match ATen's autograd of the composition.
#include "core/model/rms_norm_lns.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

#include "core/model/config.h"

namespace depthscope {
namespace {

constexpr double kEps = 1e-6;

// The Transformer's Pre-LN composition before the fused op: rms_norm(x, w) then * s.
at::Tensor transformer_composition(const at::Tensor& x, const at::Tensor& w, double s) {
  const at::Tensor inv = at::rsqrt(x.pow(2).mean({-1}, true) + kEps);
  at::Tensor y = x * inv * w;
  if (s != 1.0) y = y * s;
  return y;
}

TEST(RmsNormLns, CpuPathIsTheCompositionBitForBit) {
  at::manual_seed(1);
  const at::Tensor x = at::randn({2, 6, 32}), w = at::randn({32});
  for (double s : {1.0, 1.0 / std::sqrt(3.0)}) {
    EXPECT_TRUE(at::equal(rms_norm_lns(x, w, kEps, s), transformer_composition(x, w, s))) << "s=" << s;
    EXPECT_TRUE(at::equal(rms_norm_lns_composition(x, w, kEps, s), transformer_composition(x, w, s)));
  }
  ModelConfig c;
  c.hidden_size = 32;
  c.norm_eps = kEps;
  c.norm_kind = NormKind::rms;
  EXPECT_TRUE(at::equal(pre_norm_lns(c, x, w, at::Tensor(), 0.5), transformer_composition(x, w, 0.5)));
  c.norm_kind = NormKind::layer;  // GPT-2: LayerNorm with bias, then the scale
  const at::Tensor b = at::randn({32});
  EXPECT_TRUE(at::equal(pre_norm_lns(c, x, w, b, 0.5), at::layer_norm(x, {32}, w, b, kEps) * 0.5));
  EXPECT_TRUE(at::equal(pre_norm_lns(c, x, w, b, 1.0), at::layer_norm(x, {32}, w, b, kEps)));
}

TEST(RmsNormLns, ForwardReferenceMatchesTheComposition) {
  at::manual_seed(2);
  const at::Tensor x = at::randn({3, 5, 64}) * 4.0, w = at::randn({64});
  const double s = 1.0 / std::sqrt(7.0);
  const RmsNormLnsForward f = rms_norm_lns_forward_reference(x, w, kEps, s);
  EXPECT_TRUE(at::allclose(f.y, transformer_composition(x, w, s), 1e-6, 1e-6));
  ASSERT_EQ(f.inv_rms.sizes(), at::IntArrayRef({3, 5}));
  EXPECT_EQ(f.inv_rms.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::allclose(f.inv_rms, 1.0 / (x.pow(2).mean(-1) + kEps).sqrt(), 1e-6, 1e-7));
  // bfloat16 in, bfloat16 out, float32 inside.
  const RmsNormLnsForward h = rms_norm_lns_forward_reference(x.to(at::kBFloat16), w.to(at::kBFloat16), kEps, s);
  EXPECT_EQ(h.y.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::allclose(h.y.to(at::kFloat), f.y, 2e-2, 2e-2));
}

// dx and dw of the autograd Function (CPU: forward and backward references) against ATen's
// autograd of the composition, for a loss that weights every output differently.
void expect_gradients_match(at::ScalarType dtype, double tol) {
  at::manual_seed(3);
  const at::Tensor x0 = (at::randn({4, 7, 48}) * 2.0).to(dtype), w0 = (at::randn({48}) + 1.0).to(dtype);
  const at::Tensor weights = at::randn({4, 7, 48}).to(dtype);  // dL/dy
  for (double s : {1.0, 1.0 / std::sqrt(5.0)}) {
    const at::Tensor xa = x0.clone().requires_grad_(true), wa = w0.clone().requires_grad_(true);
    const at::Tensor xb = x0.clone().requires_grad_(true), wb = w0.clone().requires_grad_(true);
    const at::Tensor ya = rms_norm_lns_function(xa, wa, kEps, s);
    const at::Tensor yb = rms_norm_lns_composition(xb, wb, kEps, s);
    EXPECT_TRUE(at::allclose(ya, yb, tol, tol)) << "forward, s=" << s;
    (ya * weights).sum().backward();
    (yb * weights).sum().backward();
    EXPECT_TRUE(at::allclose(xa.grad(), xb.grad(), tol, tol))
        << "dx, s=" << s << " max diff " << (xa.grad() - xb.grad()).abs().max().item<double>();
    EXPECT_TRUE(at::allclose(wa.grad(), wb.grad(), tol, tol))
        << "dw, s=" << s << " max diff " << (wa.grad() - wb.grad()).abs().max().item<double>();
  }
}

TEST(RmsNormLns, FunctionGradientsMatchAtenAutogradFloat64) { expect_gradients_match(at::kDouble, 1e-10); }
TEST(RmsNormLns, FunctionGradientsMatchAtenAutogradFloat32) { expect_gradients_match(at::kFloat, 1e-6); }

TEST(RmsNormLns, OnlyTheWantedGradientIsComputed) {
  at::manual_seed(4);
  const at::Tensor x = at::randn({5, 16}).requires_grad_(true), w = at::randn({16});  // w frozen
  rms_norm_lns_function(x, w, kEps, 0.5).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  const at::Tensor x2 = x.detach().clone().requires_grad_(true);
  rms_norm_lns_composition(x2, w, kEps, 0.5).sum().backward();
  EXPECT_TRUE(at::allclose(x.grad(), x2.grad(), 1e-6, 1e-6));
}

TEST(RmsNormLns, RejectsAWeightOfTheWrongSize) {
  EXPECT_THROW(rms_norm_lns_function(at::randn({2, 8}), at::randn({7}), kEps, 1.0), std::exception);
}

}  // namespace
}  // namespace depthscope

namespace depthscope {
namespace {

// The removal sweep's workers run blocks under c10::InferenceMode (core/analysis/layer_removal.cpp),
// and on CUDA a Pre-LN block's norm is the autograd Function (on the CPU the composition): the
// Function must run there, on activations made in inference mode, and give the forward's values.
TEST(RmsNormLns, FunctionRunsUnderInferenceMode) {
  at::manual_seed(4);
  const at::Tensor x0 = at::randn({2, 5, 32}), w = at::randn({32});  // w: a weight made outside
  at::Tensor y;
  {
    c10::InferenceMode inference;
    const at::Tensor x = x0 * 1.0;  // an inference tensor, as the worker's activations are
    y = rms_norm_lns_function(x, w, 1e-6, 0.5);
  }
  EXPECT_TRUE(at::allclose(y, rms_norm_lns_composition(x0, w, 1e-6, 0.5), 1e-6, 1e-6));
}

}  // namespace
}  // namespace depthscope
