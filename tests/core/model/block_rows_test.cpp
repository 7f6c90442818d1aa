// The forward without gradients (row-chunked kernels, core/model/block_rows.h) against the
// autograd composition it replaces, for every family and NormScheme, with probes.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <map>

#include "core/model/block_rows.h"
#include "core/model/transformer.h"

namespace depthscope {
namespace {

ModelConfig config_of(ModelFamily family, NormScheme scheme) {
  ModelConfig c;
  c.family = family;
  c.norm_scheme = scheme;
  c.vocab_size = 61;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_layers = 4;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 512;
  switch (family) {
    case ModelFamily::llama: break;
    case ModelFamily::qwen2: c.qkv_bias = true; c.tie_word_embeddings = true; break;
    case ModelFamily::qwen3: c.qk_norm = true; c.head_dim = 16; break;  // H * hd = 64 != d
    case ModelFamily::olmo2: c.qk_norm_full = true; c.head_dim = 16; break;  // q/k norms [64], [32]
    case ModelFamily::gpt2:
      c.num_kv_heads = 4;
      c.norm_kind = NormKind::layer;
      c.activation = Activation::gelu_new;
      c.gated_mlp = false;
      c.positions = PositionKind::learned;
      c.qkv_bias = c.out_bias = c.mlp_bias = true;
      c.tie_word_embeddings = true;
      break;
  }
  return c;
}

// Noise on every tensor (norm gains and biases too), so a dropped or swapped one shows.
Transformer noisy(const ModelConfig& c, std::uint64_t seed) {
  Transformer t = Transformer::random(c, seed);
  at::manual_seed(seed + 7);
  for (auto& [name, tensor] : named_tensors(t.mutable_weights(), c)) tensor->add_(at::randn_like(*tensor) * 0.1);
  return t;
}

class KeepAll : public LayerProbe {
 public:
  bool wants(std::int64_t, ProbeSite) const override { return true; }
  void record(std::int64_t layer, ProbeSite site, const at::Tensor& x) override {
    order.emplace_back(layer, site);
    seen[{layer, site}] = x.clone();
  }
  std::vector<std::pair<std::int64_t, ProbeSite>> order;
  std::map<std::pair<std::int64_t, ProbeSite>, at::Tensor> seen;
};

struct ThreadsGuard {
  int saved = at::get_num_threads();
  explicit ThreadsGuard(int n) { at::set_num_threads(n); }
  ~ThreadsGuard() { at::set_num_threads(saved); }
};

void expect_close(const at::Tensor& a, const at::Tensor& b, const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = b.abs().max().item<double>() + 1e-6;
  EXPECT_LT((a - b).abs().max().item<double>(), 2e-5 * scale) << what;
}

void check_family(ModelFamily family) {
  ThreadsGuard threads(2);  // row chunks on two threads, as on the target machine
  // 2 x 300: two attention query blocks and a partial one, row chunks across a sequence end;
  // 1 x 40: too few rows to chunk (one chunk, the GEMMs split by OpenBLAS).
  const std::vector<std::vector<std::int64_t>> shapes = {{2, 300}, {1, 40}};
  for (NormScheme scheme : all_norm_schemes())
    for (const std::vector<std::int64_t>& shape : shapes) {
      ModelConfig c = config_of(family, scheme);
      if (!scheme_defined_for(scheme, c.norm_kind)) continue;  // RMSNorm-only placements on GPT-2
      if (c.qk_norm_full && (scheme == NormScheme::hybrid || scheme == NormScheme::hybrid_star))
        continue;  // HybridNorm's per-head q/k norms exclude OLMo 2's whole-projection ones
      c.gpas = scheme == NormScheme::lns || scheme == NormScheme::post;  // the add-on, on a Pre-LN and a Post-LN scheme
      const Transformer model = noisy(c, 3);
      const at::Tensor tokens =
          at::arange(0, shape[0] * shape[1], at::kLong).mul(13).remainder(c.vocab_size).view(shape);
      KeepAll composed_probe, rows_probe;
      const at::Tensor composed = model.forward(tokens, &composed_probe);  // grad mode on: ATen composition
      at::Tensor rows;
      {
        c10::InferenceMode inference;
        ASSERT_TRUE(use_row_kernels(model.embed(tokens)));
        rows = model.forward(tokens, &rows_probe);
      }
      const std::string name = std::string("family ") + std::to_string(static_cast<int>(family)) + " scheme " +
                               to_string(scheme) + " T " + std::to_string(shape[1]);
      expect_close(rows, composed, name + " logits");
      EXPECT_EQ(rows_probe.order, composed_probe.order) << name << ": sites offered in another order";
      for (const auto& [key, x] : composed_probe.seen)
        expect_close(rows_probe.seen.at(key), x,
                     name + " layer " + std::to_string(key.first) + " " + to_string(key.second));
    }
}

TEST(BlockRows, LlamaEverySchemeMatchesTheComposition) { check_family(ModelFamily::llama); }
TEST(BlockRows, Qwen2EverySchemeMatchesTheComposition) { check_family(ModelFamily::qwen2); }
TEST(BlockRows, Qwen3EverySchemeMatchesTheComposition) { check_family(ModelFamily::qwen3); }
TEST(BlockRows, Gpt2EverySchemeMatchesTheComposition) { check_family(ModelFamily::gpt2); }
TEST(BlockRows, Olmo2EverySchemeMatchesTheComposition) { check_family(ModelFamily::olmo2); }

TEST(BlockRows, OneThreadAndTwoThreadsAgree) {
  const ModelConfig c = config_of(ModelFamily::llama, NormScheme::lns);
  const Transformer model = noisy(c, 5);
  const at::Tensor tokens = at::arange(0, 260, at::kLong).mul(7).remainder(c.vocab_size).view({1, 260});
  c10::InferenceMode inference;
  at::Tensor one, two;
  {
    ThreadsGuard t(1);
    one = model.forward(tokens);
  }
  {
    ThreadsGuard t(2);
    two = model.forward(tokens);
  }
  expect_close(two, one, "1 vs 2 threads");
}

TEST(BlockRows, GradModeKeepsTheAutogradPath) {
  const ModelConfig c = config_of(ModelFamily::llama, NormScheme::pre);
  const Transformer model = noisy(c, 9);
  const at::Tensor x = model.embed(at::zeros({1, 4}, at::kLong));
  EXPECT_FALSE(use_row_kernels(x)) << "training needs the differentiable composition";
  at::NoGradGuard no_grad;
  EXPECT_TRUE(use_row_kernels(x));
  EXPECT_FALSE(use_row_kernels(x.to(at::kDouble)));
}

}  // namespace
}  // namespace depthscope
