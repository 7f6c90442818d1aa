// The analyses' tensor paths off the CPU, traced on the meta device (shapes and dtypes, no
// numbers): a stand-in for a GPU here. An element-wise op that mixes a meta tensor with a CPU
// tensor of one or more dimensions throws "Expected all tensors to be on the same device", as
// it would with a CUDA tensor; so a tensor made on the CPU inside these paths shows up here.
// (Not everything is caught: LibTorch 1.13 lets at::linear and gather read a CPU operand
// beside a meta one.)
//
// Each trace stops where the real code legitimately reads a number (.item(), .cpu(),
// data_ptr): meta tensors have none. LibTorch 1.13 also has no meta kernel for
// index_select (so no embedding: the traces start from the residual stream x_1 as the
// embedding would give it on the device), repeat_interleave (grouped kv heads), where/isinf,
// abs and logsumexp; those parts are left out. (The statistics' whole per-window accumulation,
// per_token_variance included, is traced in layer_stats_window_meta_test.cpp.)
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/fused_formulas.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/progress.h"
#include "tests/core/meta_trace_models.h"

namespace depthscope {
namespace {

using test::kMeta;

ModelConfig trace_config() { return test::meta_trace_config(4); }

Transformer meta_model(const ModelConfig& c) { return test::meta_bf16_model(c); }

// x_1 as the embedding gives it on the model's device: [B, T, d] float32.
at::Tensor residual_on_meta(std::int64_t B, std::int64_t T, std::int64_t d) {
  return at::empty({B, T, d}, at::TensorOptions().device(kMeta).dtype(at::kFloat));
}

// Token ids as the analyses make them: int64 on the CPU, [B, T].
at::Tensor cpu_tokens(std::int64_t B, std::int64_t T, std::int64_t vocab) {
  return at::arange(0, B * T, at::kLong).mul(7).remainder(vocab).view({B, T});
}

void expect_meta(const at::Tensor& t, at::ScalarType dtype, std::vector<std::int64_t> sizes, const char* what) {
  ASSERT_TRUE(t.defined()) << what;
  EXPECT_TRUE(t.is_meta()) << what << " left the model's device: " << t.device();
  EXPECT_EQ(t.scalar_type(), dtype) << what;
  EXPECT_EQ(t.sizes(), at::IntArrayRef(sizes)) << what;
}

// What layer_statistics' probe does at every site a block visits (core/analysis/layer_stats.cpp,
// StatsProbe), up to the .item() of element_moments: the fused token sums and norms and the
// update ratios against the block input's norms.
class TraceStatsProbe : public LayerProbe {
 public:
  explicit TraceStatsProbe(at::Tensor x_in_norm) : x_in_norm_(std::move(x_in_norm)) {}
  bool wants(std::int64_t, ProbeSite) const override { return true; }
  void record(std::int64_t, ProbeSite site, const at::Tensor& x) override {
    sites.insert(site);
    EXPECT_TRUE(x.is_meta()) << to_string(site);
    EXPECT_EQ(x.scalar_type(), at::kFloat) << to_string(site) << ": activations are float32 on every device";
    const formulas::TokenSums s = fused::token_sums(x);  // element_moments reads these
    EXPECT_TRUE(s.s1.is_meta() && s.s2.is_meta()) << to_string(site);
    const at::Tensor ratio = formulas::update_ratio_of_norms(fused::token_norm(x), x_in_norm_);  // [B, T]
    EXPECT_TRUE(ratio.is_meta()) << to_string(site);
  }
  std::set<ProbeSite> sites;

 private:
  at::Tensor x_in_norm_;
};

TEST(MetaDeviceTrace, LayerStatisticsOfOneWindowStayOnTheModelsDevice) {
  const ModelConfig c = trace_config();
  const Transformer model = meta_model(c);
  at::NoGradGuard no_grad;
  const std::int64_t T = 9, d = c.hidden_size;
  const at::Tensor window = cpu_tokens(1, T, c.vocab_size);  // [1, T] on the CPU
  at::Tensor x = residual_on_meta(1, T, d);                  // x_1
  formulas::TokenSums s_in = fused::token_sums(x);
  std::vector<at::Tensor> history{x};
  for (std::int64_t l = 1; l <= c.num_layers; ++l) {
    TraceStatsProbe probe(formulas::token_norm(s_in));
    const at::Tensor x_out = model.block(l, x, &probe);  // x_{l+1}
    expect_meta(x_out, at::kFloat, {1, T, d}, "x_{l+1}");
    EXPECT_EQ(probe.sites.size(), 7u) << "every site of a Pre-LN block is recorded";
    const fused::BlockOutputSums out = fused::block_output_sums(x, s_in, x_out);
    expect_meta(out.sums.s1, at::kDouble, {1, T}, "sum of x_{l+1}");
    expect_meta(out.sums.s2, at::kDouble, {1, T}, "||x_{l+1}||^2");
    expect_meta(out.cosine, at::kDouble, {1, T}, "cos(x_l, x_{l+1})");
    // The angular-distance matrix pairs every earlier input with this output.
    for (const at::Tensor& xk : history)
      expect_meta(fused::angular_distance(xk, x_out), at::kDouble, {1, T}, "angular distance");
    // The logit lens: the head on the device, the CPU token ids moved to it.
    const at::Tensor logits = model.head(x_out.slice(1, 0, T - 1));  // [1, T-1, V]
    expect_meta(logits, at::kFloat, {1, T - 1, c.vocab_size}, "logit-lens logits");
    expect_meta(formulas::next_token_nll(logits, window, 0, T - 1), at::kDouble, {1, T - 1}, "logit-lens NLL");
    history.push_back(x_out);
    x = x_out;
    s_in = out.sums;
  }
}

// Perplexity and a removal sweep share run_layers and score_rows (core/analysis/eval_engine.cpp):
// the full model keeping every layer's input, a configuration resumed from that cache with a
// layer bypassed, and the scored positions through the head against the CPU token ids (up to
// score_rows' copy of the sums to the CPU).
TEST(MetaDeviceTrace, PerplexityAndRemovalConfigurationsStayOnTheModelsDevice) {
  const ModelConfig c = trace_config();
  const Transformer model = meta_model(c);
  at::NoGradGuard no_grad;
  const std::int64_t B = 2, T = 12, d = c.hidden_size, L = c.num_layers;
  const analysis::ScoredBatch batch{cpu_tokens(B, T, c.vocab_size), T / 2, T - 1};
  RunControl control;
  analysis::PassMeter meter(control, 2.0 * static_cast<double>(L), "trace");
  std::vector<analysis::States> cache(static_cast<std::size_t>(L) + 1);
  const analysis::States full = analysis::run_layers(model, 1, {residual_on_meta(B, T, d)}, {}, meter, &cache);
  for (const analysis::States& s : cache) expect_meta(s.at(0), at::kFloat, {B, T, d}, "cached layer input");
  const analysis::States without_3 = analysis::run_layers(model, 3, cache[2], {3}, meter);  // x_3 from the cache
  for (const analysis::States* out : {&full, &without_3}) {
    expect_meta(out->at(0), at::kFloat, {B, T, d}, "final residual stream");
    const std::int64_t n = batch.end - batch.begin;
    const at::Tensor logits = model.head(out->at(0).slice(1, batch.begin, batch.end));  // [B, n, V]
    expect_meta(logits, at::kFloat, {B, n, c.vocab_size}, "scored logits");
    const at::Tensor nll = formulas::next_token_nll(logits, batch.tokens.slice(1, batch.begin, batch.end + 1), 0, n);
    expect_meta(nll, at::kDouble, {B, n}, "NLL");
    expect_meta(nll.pow(2).sum(1), at::kDouble, {B}, "NLL sums");
  }
  EXPECT_EQ(meter.passes(), L + 1);  // L passes, then layer 4 alone (3 bypassed)
}

// The block Jacobian's batch of copies (core/analysis/block_jacobian.cpp): the prefix copied
// per output unit, the block with its graph, the picked units' backward, the rows added to the
// float64 accumulator made with the model's options, and its distance to the identity.
TEST(MetaDeviceTrace, BlockJacobianRowsAccumulateOnTheModelsDevice) {
  const ModelConfig c = trace_config();
  const Transformer model = meta_model(c);
  const std::int64_t T = 6, d = c.hidden_size, layer = 2, t = 4, i0 = 8, n = 5;
  at::Tensor x;
  {
    at::NoGradGuard no_grad;
    x = model.block(1, residual_on_meta(1, T, d));  // x_2  [1, T, d]
  }
  at::Tensor J = at::zeros({d, d}, x.options().dtype(at::kDouble));  // [d, d]
  const at::Tensor prefix = x.slice(1, 0, t + 1);                     // [1, t+1, d]
  at::Tensor xb = prefix.expand({n, t + 1, d}).clone().set_requires_grad(true);  // [n, t+1, d]
  const at::Tensor y_t = model.block(layer, xb).select(1, t);                     // [n, d]
  const at::Tensor units = at::arange(i0, i0 + n, x.options().dtype(at::kLong)).unsqueeze(1);  // [n, 1]
  y_t.gather(1, units).sum().backward();
  ASSERT_TRUE(xb.grad().defined());
  const at::Tensor rows = xb.grad().select(1, t).to(at::kDouble);  // [n, d]
  expect_meta(rows, at::kDouble, {n, d}, "Jacobian rows");
  J.slice(0, i0, i0 + n).add_(rows);
  J.div_(2.0);
  expect_meta((J - at::eye(d, J.options())).pow(2).sum().sqrt(), at::kDouble, {}, "distance to the identity");
}

}  // namespace
}  // namespace depthscope
