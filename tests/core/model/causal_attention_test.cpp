// The CPU attention kernel (per-head GEMMs that skip the blocks above the diagonal, its own
// backward) against the composition of ATen ops it replaces: outputs and gradients.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <tuple>

#include "core/model/causal_attention.h"

namespace depthscope {
namespace {

struct Case {
  std::int64_t B, H, KV, T, hd;
  at::ScalarType dtype;
};

// q [B, H, T, hd] in the layout the Transformer hands over (a transposed [B, T, H, hd]), k, v.
std::tuple<at::Tensor, at::Tensor, at::Tensor> inputs(const Case& c, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  auto make = [&](std::int64_t heads) {
    return at::randn({c.B, c.T, heads, c.hd}, gen, at::TensorOptions().dtype(c.dtype)).transpose(1, 2);
  };
  return {make(c.H), make(c.KV), make(c.KV)};
}

void expect_matches_reference(const Case& c) {
  const double tol = c.dtype == at::kDouble ? 1e-10 : 2e-5;
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.hd));
  auto [q0, k0, v0] = inputs(c, 7);
  const at::Tensor dout = at::randn({c.B, c.T, c.H, c.hd}, at::TensorOptions().dtype(c.dtype));  // [B, T, H, hd]

  std::vector<at::Tensor> got, want;
  for (bool kernel : {true, false}) {
    at::Tensor q = q0.detach().requires_grad_(true), k = k0.detach().requires_grad_(true),
               v = v0.detach().requires_grad_(true);
    const at::Tensor out = kernel ? causal_attention(q, k, v, scale) : causal_attention_reference(q, k, v, scale);
    ASSERT_EQ(out.sizes(), (at::IntArrayRef{c.B, c.T, c.H, c.hd}));
    (out * dout).sum().backward();
    auto& into = kernel ? got : want;
    into = {out.detach(), q.grad(), k.grad(), v.grad()};
  }
  const char* names[] = {"out", "dq", "dk", "dv"};
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(at::allclose(got[i], want[i], tol, tol))
        << names[i] << ": max abs diff " << (got[i] - want[i]).abs().max().item<double>();

  at::NoGradGuard no_grad;  // the forward without a graph is the same kernel
  EXPECT_TRUE(at::allclose(causal_attention(q0, k0, v0, scale), want[0], tol, tol));
}

TEST(CausalAttention, KernelMatchesTheAtenCompositionWithGradients) {
  for (int threads : {1, 2}) {
    const int before = at::get_num_threads();
    at::set_num_threads(threads);
    expect_matches_reference({2, 4, 4, 64, 16, at::kFloat});     // one causal block
    expect_matches_reference({2, 4, 2, 300, 16, at::kFloat});    // grouped-query, three blocks, a partial one
    expect_matches_reference({1, 6, 1, 129, 8, at::kDouble});    // one kv head for all, a block of one row
    expect_matches_reference({3, 2, 2, 1, 4, at::kFloat});       // a single position
    at::set_num_threads(before);
  }
}

// The inference forward's fused attention (AVX-512: one pass per 64-query block with the
// packed-GEMM kernel and its own softmax) against the ATen composition: query blocks whole and
// partial, grouped-query heads, head sizes 8..128, one position, 1 and 2 threads.
TEST(CausalAttention, InferenceAttentionMatchesTheAtenComposition) {
  at::NoGradGuard no_grad;
  const Case cases[] = {{2, 4, 4, 64, 16, at::kFloat},  {2, 4, 2, 300, 16, at::kFloat}, {1, 8, 2, 129, 128, at::kFloat},
                        {1, 6, 1, 65, 8, at::kFloat},   {3, 2, 2, 1, 4, at::kFloat},    {1, 2, 1, 40, 8, at::kDouble}};
  const int before = at::get_num_threads();
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    for (const Case& c : cases) {
      const double scale = 1.0 / std::sqrt(static_cast<double>(c.hd));
      auto [q, k, v] = inputs(c, 11);
      const at::Tensor got = causal_attention_inference(q, k, v, scale);  // [B, T, H, hd]
      const at::Tensor want = causal_attention_reference(q.to(at::kDouble), k.to(at::kDouble), v.to(at::kDouble), scale);
      ASSERT_EQ(got.sizes(), want.sizes());
      const double err = (got.to(at::kDouble) - want).abs().max().item<double>();
      EXPECT_LT(err, 2e-6) << "B " << c.B << " H " << c.H << " KV " << c.KV << " T " << c.T << " hd " << c.hd
                           << ", " << threads << " threads";
    }
  }
  at::set_num_threads(before);
}

TEST(CausalAttention, QueryAttendsOnlyToEarlierKeys) {
  const Case c{1, 2, 2, 200, 8, at::kFloat};
  auto [q, k, v] = inputs(c, 3);
  const at::Tensor out = causal_attention(q, k, v, 0.5);  // [1, T, 2, 8]
  at::Tensor k2 = k.clone(), v2 = v.clone();
  k2.narrow(2, 150, 50).normal_();  // change keys and values from position 150 on
  v2.narrow(2, 150, 50).normal_();
  const at::Tensor out2 = causal_attention(q, k2, v2, 0.5);
  EXPECT_TRUE(at::equal(out.narrow(1, 0, 150), out2.narrow(1, 0, 150)));
  EXPECT_FALSE(at::allclose(out.narrow(1, 150, 50), out2.narrow(1, 150, 50)));
}

}  // namespace
}  // namespace depthscope
