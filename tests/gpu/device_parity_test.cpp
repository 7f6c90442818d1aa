// The model on a GPU (`--device cuda`) against the CPU, the reference: run.c's logits within
// 5e-4, and the statistics, perplexity, a removal sweep and a block Jacobian equal to the CPU's
// within float32 tolerance on the same model; a BF16 checkpoint stays BF16 on the GPU. Skips
// (reported as skipped) where LibTorch has no CUDA or no GPU is visible.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/cuda.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "core/analysis/block_jacobian.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/analysis/perplexity.h"
#include "core/io/checkpoint.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/device_choice.h"
#include "core/runtime/torch_device.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

constexpr const char* kModel = "llama2c/stories260K.bin";
constexpr const char* kTokens = "llama2c/stories260K.ref.tokens.txt";
constexpr const char* kLogits = "llama2c/stories260K.ref.logits.f32";

#define DS_REQUIRE_GPU()                                                                        \
  do {                                                                                          \
    ComputeDevice cuda;                                                                         \
    cuda.kind = ComputeDevice::Kind::cuda;                                                      \
    const std::string why = device_unavailable_reason(cuda);                                    \
    if (!why.empty()) GTEST_SKIP() << "no GPU to compare with the CPU: " << why;                \
  } while (0)

at::Device gpu() { return torch_device(require_device("cuda")); }

std::vector<std::int64_t> read_tokens(const std::string& path) {
  std::ifstream in(path);
  return {std::istream_iterator<std::int64_t>(in), std::istream_iterator<std::int64_t>()};
}

at::Tensor read_logits(const std::string& path, std::int64_t rows) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  at::Tensor t = at::empty({static_cast<std::int64_t>(bytes.size() / 4)}, at::kFloat);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.reshape({rows, -1});  // [T, V]
}

Transformer load(const std::string& relative) {
  LoadedCheckpoint ck = load_checkpoint(test::shared_data(relative));
  return Transformer(std::move(ck.config), std::move(ck.weights));
}

at::Tensor logits(const Transformer& model, const std::vector<std::int64_t>& ids) {
  at::NoGradGuard no_grad;
  return model.forward(at::tensor(ids, at::kLong).unsqueeze(0)).squeeze(0).cpu();  // [T, V]
}

// |a - b| <= abs + rel * |b|: float32 GEMMs of cuBLAS and OpenBLAS sum in different orders.
void expect_close(double gpu_value, double cpu_value, const std::string& what, double rel = 1e-4, double abs = 1e-6) {
  if (std::isnan(cpu_value)) {
    EXPECT_TRUE(std::isnan(gpu_value)) << what;
    return;
  }
  EXPECT_LE(std::abs(gpu_value - cpu_value), abs + rel * std::abs(cpu_value))
      << what << ": GPU " << gpu_value << " vs CPU " << cpu_value;
}

TEST(DeviceParity, RunCLogitsOnGpuWithin5e4) {
  DS_REQUIRE_GPU();
  DS_REQUIRE_SHARED(kModel);
  DS_REQUIRE_SHARED(kLogits);
  const Transformer cpu = load(kModel);
  const Transformer model = model_on(cpu, gpu());
  EXPECT_TRUE(model.device().is_cuda());
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(kTokens));
  ASSERT_EQ(ids.size(), 256u);
  const at::Tensor got = logits(model, ids);
  const at::Tensor ref = read_logits(test::shared_data(kLogits), 256);
  const double to_ref = (got - ref).abs().max().item<double>();
  const double to_cpu = (got - logits(cpu, ids)).abs().max().item<double>();
  std::cout << "[ gpu ] stories260K on " << gpu() << ": max abs diff " << to_ref << " to run.c, " << to_cpu
            << " to the CPU\n";
  EXPECT_LT(to_ref, 5e-4);
  EXPECT_LT(to_cpu, 5e-4);
  EXPECT_TRUE(at::equal(got.argmax(1), ref.argmax(1)));
}

TEST(DeviceParity, StatisticsOnGpuEqualTheCpus) {
  DS_REQUIRE_GPU();
  DS_REQUIRE_SHARED(kModel);
  const Transformer cpu = load(kModel);
  const Transformer model = model_on(cpu, gpu());
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(kTokens));
  LayerStatsOptions o;
  o.n_ctx = 64;
  const LayerStatsResult want = layer_statistics(cpu, ids, o);
  const LayerStatsResult got = layer_statistics(model, ids, o);
  ASSERT_EQ(got.layers.size(), want.layers.size());
  EXPECT_EQ(got.tokens, want.tokens);
  for (std::size_t i = 0; i < want.layers.size(); ++i) {
    const LayerStats &g = got.layers[i], &w = want.layers[i];
    const std::string l = "layer " + std::to_string(w.layer) + " ";
    expect_close(g.input_variance, w.input_variance, l + "input_variance");
    expect_close(g.output_variance, w.output_variance, l + "output_variance");
    expect_close(g.input_token_variance, w.input_token_variance, l + "input_token_variance");
    expect_close(g.output_token_variance, w.output_token_variance, l + "output_token_variance");
    expect_close(g.rms, w.rms, l + "rms");
    expect_close(g.attn_update_ratio, w.attn_update_ratio, l + "attn_update_ratio");
    expect_close(g.mlp_update_ratio, w.mlp_update_ratio, l + "mlp_update_ratio");
    expect_close(g.attn_norm_out_variance, w.attn_norm_out_variance, l + "attn_norm_out_variance");
    expect_close(g.mlp_norm_out_variance, w.mlp_norm_out_variance, l + "mlp_norm_out_variance");
    // 1 - mean cos: cos near 1 leaves few significant digits in the difference.
    expect_close(g.block_influence, w.block_influence, l + "block_influence", 1e-3, 1e-6);
    expect_close(g.logit_lens_loss, w.logit_lens_loss, l + "logit_lens_loss");
  }
  ASSERT_EQ(got.angular.token_mean.size(), want.angular.token_mean.size());
  for (std::size_t k = 0; k < want.angular.token_mean.size(); ++k)
    for (std::size_t n = 0; n < want.angular.token_mean[k].size(); ++n) {
      const std::string at = "d(" + std::to_string(k + 1) + ", +" + std::to_string(n + 1) + ")";
      expect_close(got.angular.token_mean[k][n], want.angular.token_mean[k][n], at + " token mean", 1e-3, 1e-5);
      expect_close(got.angular.last_token[k][n], want.angular.last_token[k][n], at + " last token", 1e-3, 1e-5);
    }
}

TEST(DeviceParity, PerplexityAndRemovalSweepOnGpuEqualTheCpus) {
  DS_REQUIRE_GPU();
  DS_REQUIRE_SHARED(kModel);
  const Transformer cpu = load(kModel);
  const Transformer model = model_on(cpu, gpu());
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(kTokens));
  PerplexityOptions windows;
  windows.n_ctx = 64;
  windows.bos_id = 1;
  const PerplexityResult ppl_cpu = perplexity(cpu, ids, windows);
  const PerplexityResult ppl_gpu = perplexity(model, ids, windows);
  expect_close(ppl_gpu.ppl, ppl_cpu.ppl, "perplexity");
  EXPECT_EQ(ppl_gpu.tokens_scored, ppl_cpu.tokens_scored);

  RemovalOptions o;
  o.windows = windows;
  const LayerRemovalSweep want = layer_removal_sweep(cpu, ids, o);
  const LayerRemovalSweep got = layer_removal_sweep(model, ids, o);
  expect_close(got.baseline.loss, want.baseline.loss, "baseline loss");
  EXPECT_EQ(got.layer_passes, want.layer_passes);
  ASSERT_EQ(got.layers.size(), want.layers.size());
  for (std::size_t i = 0; i < want.layers.size(); ++i) {
    const std::string l = "without layer " + std::to_string(want.layers[i].layer);
    expect_close(got.layers[i].score.loss, want.layers[i].score.loss, l + " loss");
    expect_close(got.layers[i].score.ppl, want.layers[i].score.ppl, l + " ppl");
  }
}

TEST(DeviceParity, BlockJacobianOnGpuEqualsTheCpus) {
  DS_REQUIRE_GPU();
  DS_REQUIRE_SHARED(kModel);
  const Transformer cpu = load(kModel);
  const Transformer model = model_on(cpu, gpu());
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(kTokens));
  BlockJacobianOptions o;
  o.n_ctx = 16;
  o.positions = 4;
  const BlockJacobianResult want = block_jacobian(cpu, ids, 3, o);
  const BlockJacobianResult got = block_jacobian(model, ids, 3, o);
  ASSERT_EQ(got.jacobian.size(), want.jacobian.size());
  double max_diff = 0;
  for (std::size_t i = 0; i < want.jacobian.size(); ++i)
    max_diff = std::max(max_diff, std::abs(got.jacobian[i] - want.jacobian[i]));
  EXPECT_LT(max_diff, 1e-4);
  expect_close(got.diagonal_dominance, want.diagonal_dominance, "diagonal dominance");
}

// A BF16 checkpoint keeps 2 bytes per weight on the GPU; its GEMMs run in BF16 there
// (core/model/compute_weights.h), so its logits differ from the CPU's exactly-widened float32
// ones by BF16 rounding of the GEMM inputs and outputs. The bound below is a judgement (1% of
// the largest logit, plus 0.02), not a measured figure.
TEST(DeviceParity, Bf16CheckpointStaysBf16OnTheGpu) {
  DS_REQUIRE_GPU();
  const std::string folder = "families/qwen2-tiny-bf16-sharded";
  DS_REQUIRE_SHARED(folder + "/config.json");
  DS_REQUIRE_SHARED(folder + "/ref.logits.f32");
  const Transformer cpu = load(folder);
  const Transformer model = model_on(cpu, gpu());
  EXPECT_EQ(model.weights().layers[0].wq.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(model.weights().layers[0].wq.is_cuda());
  EXPECT_EQ(weight_bytes_in_memory(model.weights()), weight_bytes_in_memory(cpu.weights()));
  EXPECT_EQ(model.weights().lm_head.data_ptr(), model.weights().tok_embeddings.data_ptr());  // still tied
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(folder + "/ref.tokens.txt"));
  const at::Tensor got = logits(model, ids);
  EXPECT_EQ(got.scalar_type(), at::kFloat);
  const at::Tensor ref = read_logits(test::shared_data(folder + "/ref.logits.f32"), static_cast<std::int64_t>(ids.size()));
  const double scale = ref.abs().max().item<double>();
  const double diff = (got - ref).abs().max().item<double>();
  std::cout << "[ gpu ] " << folder << " in BF16 GEMMs: max abs diff " << diff << " to the float32 reference (max |logit| "
            << scale << ")\n";
  EXPECT_LT(diff, 0.01 * scale + 0.02);
}

}  // namespace
}  // namespace depthscope
