// MFU arithmetic (core/train/training_flops.h): 6 N + 12 L H hd T FLOPs per token, peak table.
#include "core/train/training_flops.h"

#include <gtest/gtest.h>

#include "core/train/presets.h"

namespace depthscope {
namespace {

TEST(TrainingFlops, SixNPlusAttentionByHand) {
  ModelConfig c;  // 2 x 64, FFN 128, 4 heads, vocab 100, untied, RoPE
  c.family = ModelFamily::llama;
  c.num_layers = 2;
  c.hidden_size = 64;
  c.num_heads = c.num_kv_heads = 4;
  c.intermediate_size = 128;
  c.vocab_size = 100;
  c.tie_word_embeddings = false;
  c.validate();
  // per layer: q, k, v, o 4 * 64 * 64 = 16384; SwiGLU 3 * 64 * 128 = 24576; 2 norms 128
  const std::int64_t per_layer = 16384 + 24576 + 128;
  const std::int64_t head_and_final_norm = 100 * 64 + 64;
  EXPECT_EQ(matmul_parameter_count(c), 2 * per_layer + head_and_final_norm);  // the embedding is a lookup
  EXPECT_EQ(c.parameter_count() - matmul_parameter_count(c), 100 * 64);
  const double attention = 12.0 * 2 * 4 * 16 * 32;  // 12 L H hd T at T = 32
  EXPECT_DOUBLE_EQ(training_flops_per_token(c, 32), 6.0 * static_cast<double>(2 * per_layer + head_and_final_norm) + attention);

  c.tie_word_embeddings = true;  // the tied embedding is the head: counted once
  EXPECT_EQ(matmul_parameter_count(c), c.parameter_count());
}

TEST(TrainingFlops, Llama130mAtSeq256) {
  const ModelConfig c = [] {
    ModelConfig x = preset_config("llama-130m");
    x.vocab_size = 32000;
    x.max_position = 256;
    return x;
  }();
  // 12 layers: 4 * 768^2 + 3 * 768 * 2048 + 2 * 768 = 7,079,424 each; head 32000 * 768; final norm 768.
  const std::int64_t n = 12 * 7079424 + 32000 * 768 + 768;
  EXPECT_EQ(matmul_parameter_count(c), n);
  EXPECT_DOUBLE_EQ(training_flops_per_token(c, 256), 6.0 * n + 12.0 * 12 * 768 * 256);
}

TEST(TrainingFlops, PeakTablesAndMfu) {
  EXPECT_DOUBLE_EQ(peak_memory_bandwidth("NVIDIA H100 80GB HBM3")->value, 3.35e12);
  EXPECT_DOUBLE_EQ(peak_memory_bandwidth("NVIDIA H200")->value, 4.8e12);
  EXPECT_DOUBLE_EQ(peak_memory_bandwidth("NVIDIA A100-SXM4-80GB")->value, 2.039e12);
  EXPECT_DOUBLE_EQ(peak_memory_bandwidth("NVIDIA A100 80GB PCIe")->value, 1.935e12);
  EXPECT_DOUBLE_EQ(peak_memory_bandwidth("NVIDIA A100-SXM4-40GB")->value, 1.555e12);
  EXPECT_FALSE(peak_memory_bandwidth("NVIDIA GeForce GTX 1080").has_value());
  EXPECT_DOUBLE_EQ(peak_bf16_flops("NVIDIA H100 80GB HBM3 (79 GiB, sm_90)")->value, 989e12);
  EXPECT_DOUBLE_EQ(peak_bf16_flops("NVIDIA H200 (140 GiB, sm_90)")->value, 989e12);
  EXPECT_DOUBLE_EQ(peak_bf16_flops("NVIDIA H100 PCIe")->value, 756e12);
  EXPECT_DOUBLE_EQ(peak_bf16_flops("NVIDIA A100-SXM4-80GB")->value, 312e12);
  EXPECT_DOUBLE_EQ(peak_bf16_flops("NVIDIA L40S")->value, 362e12);
  EXPECT_DOUBLE_EQ(peak_bf16_flops("NVIDIA L4")->value, 121e12);
  EXPECT_FALSE(peak_bf16_flops("NVIDIA GeForce GTX 1080").has_value());  // unknown: no MFU
  EXPECT_FALSE(peak_bf16_flops("").has_value());
  EXPECT_NE(peak_bf16_flops("NVIDIA H100 80GB HBM3")->source.find("datasheet"), std::string::npos);
  // 100k tokens/s of 1e9 FLOPs each on a 989 TFLOP/s device: 10.1 %.
  EXPECT_NEAR(model_flops_utilization(1e5, 1e9, 989e12), 1e14 / 989e12, 1e-15);
  EXPECT_DOUBLE_EQ(model_flops_utilization(1e5, 1e9, 0), 0.0);
}

}  // namespace
}  // namespace depthscope
