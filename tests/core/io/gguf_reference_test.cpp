// The three GGUF files of ../shared/data/gguf (F16/BF16/F32, Q8_0, Q4_K_M) against logits of
// an independent implementation that dequantises with ggml's arithmetic and runs a float32
// Llama forward (README "gguf/"). Tolerance 5e-4 max abs, both forwards.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <fstream>

#include "core/io/checkpoint.h"
#include "core/io/mapped_file.h"
#include "core/model/model_placement.h"
#include "core/model/quantised_weight.h"
#include "core/model/transformer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

std::vector<std::int64_t> read_tokens(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::int64_t> ids;
  for (std::int64_t id; in >> id;) ids.push_back(id);
  return ids;
}

at::Tensor read_logits(const std::string& path, std::int64_t rows) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  at::Tensor t = at::empty({static_cast<std::int64_t>(bytes.size() / 4)}, at::kFloat);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.reshape({rows, -1});  // [T, V]
}

double max_abs_diff(const LoadedCheckpoint& ck, const std::vector<std::int64_t>& ids, const at::Tensor& ref) {
  const Transformer model(ck.config, ck.weights);
  const at::Tensor logits = model.forward(at::tensor(ids, at::kLong).unsqueeze(0)).squeeze(0);  // [T, V]
  EXPECT_EQ(logits.sizes(), ref.sizes());
  EXPECT_TRUE(at::equal(logits.argmax(1), ref.argmax(1))) << "greedy tokens differ";
  return (logits - ref).abs().max().item<double>();
}

class GgufReference : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufReference, MatchesIndependentLogits) {
  const std::string base = "gguf/" + GetParam();
  DS_REQUIRE_SHARED(base + ".gguf");
  DS_REQUIRE_SHARED(base + ".ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data(base + ".gguf"));
  EXPECT_EQ(ck.format, "gguf");
  EXPECT_EQ(ck.config.family, ModelFamily::llama);
  EXPECT_EQ(ck.config.num_layers, 4);
  EXPECT_EQ(ck.config.hidden_size, 256);
  EXPECT_EQ(ck.config.intermediate_size, 512);
  EXPECT_EQ(ck.config.num_heads, 4);
  EXPECT_EQ(ck.config.num_kv_heads, 2);
  EXPECT_EQ(ck.config.vocab_size, 32000);
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(base + ".ref.tokens.txt"));
  ASSERT_EQ(ids.size(), 27u);
  const at::Tensor ref = read_logits(test::shared_data(base + ".ref.logits.f32"), 27);
  const double autograd = max_abs_diff(ck, ids, ref);
  double inference = 0;
  {
    at::NoGradGuard no_grad;
    inference = max_abs_diff(ck, ids, ref);
  }
  EXPECT_LT(autograd, 5e-4);
  EXPECT_LT(inference, 5e-4);
  std::cout << "[ reference ] " << GetParam() << " (" << ck.source_dtype << "): max abs diff " << autograd
            << " (autograd forward), " << inference << " (inference forward)\n";
}

// Quantised layer matrices stay as blocks in the mapping: the weights held take the file's
// bytes for them, and a forward widens one layer at a time (as F16/BF16 weights are).
TEST(GgufQuantisedWeights, StayInTheMappingAndAreDequantisedPerLayer) {
  DS_REQUIRE_SHARED("gguf/llama-q4_k_m.gguf");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data("gguf/llama-q4_k_m.gguf"));
  const LayerWeights& l0 = ck.weights.layers[0];
  EXPECT_TRUE(is_quantised_weight(l0.wq));
  EXPECT_EQ(quantised_weight_type(l0.wq), "Q4_K");
  EXPECT_EQ(quantised_weight_type(l0.wv), "Q6_K");
  EXPECT_EQ(quantised_weight_bytes(l0.w_down), 256 * 512 / 256 * 210);  // [256, 512] in Q6_K blocks
  const std::int64_t f32_layers = 4 * 4 * (256 * 256 * 2 + 128 * 256 * 2 + 3 * 512 * 256);
  const std::int64_t embeddings = 2 * 4 * 32000 * 256;  // token_embd and output, dequantised at load
  EXPECT_LT(ck.config.weight_bytes, embeddings + f32_layers / 5) << "layers held as Q4_K/Q6_K blocks";
  reset_widened_bytes_peak();
  at::NoGradGuard no_grad;
  const Transformer model(ck.config, ck.weights);
  model.forward(at::arange(1, 17, at::kLong).unsqueeze(0));
  EXPECT_LE(widened_bytes_peak() - widened_bytes_live(), f32_layers / 4) << "at most one layer widened at once";
  // Copies for training own float32 values; on the CPU the blocks stay where they are.
  const ModelWeights owned = clone_weights(ck.weights, ck.config);
  EXPECT_FALSE(is_quantised_weight(owned.layers[0].wq));
  EXPECT_TRUE(at::equal(owned.layers[0].wq, dequantised_weight(l0.wq)));
  EXPECT_TRUE(weights_on(ck.weights, at::kCPU).layers[0].wq.is_same(l0.wq));
}

// On the row path quantised matrices are dequantised straight into the packed kernels' panels
// (quantised_weight.h packed_quantised_weight): the logits have the bits of the same model with
// owned float32 copies of those matrices, which the kernels pack once.
TEST(GgufQuantisedWeights, PackedFromTheBlocksGiveTheFloat32CopysLogits) {
  for (const std::string file : {"gguf/llama-q8_0.gguf", "gguf/llama-q4_k_m.gguf"}) {
    DS_REQUIRE_SHARED(file);
    const LoadedCheckpoint ck = load_checkpoint(test::shared_data(file));
    at::NoGradGuard no_grad;
    const at::Tensor tokens = at::arange(1, 41, at::kLong).view({2, 20});  // [2, 20]
    const at::Tensor quantised = Transformer(ck.config, ck.weights).forward(tokens);
    const at::Tensor owned = Transformer(ck.config, with_dequantised_weights(ck.weights)).forward(tokens);
    EXPECT_TRUE(at::equal(quantised, owned)) << file << ": max abs diff " << (quantised - owned).abs().max().item<double>();
  }
}

// A large GGUF file's pages leave the resident set once read, as a large safetensors file's do
// (DEPTHSCOPE_RELEASE_WEIGHT_PAGES=always marks any file; by default only files past a quarter
// of physical memory).
TEST(GgufQuantisedWeights, ALargeFilesPagesAreReleasedAfterReading) {
  DS_REQUIRE_SHARED("gguf/llama-f16-bf16.gguf");
  const std::string file = test::shared_data("gguf/llama-f16-bf16.gguf");
  EXPECT_FALSE(MappedFile::releases_after_read(load_checkpoint(file).weights.layers[0].w_up.data_ptr()));
  ::setenv("DEPTHSCOPE_RELEASE_WEIGHT_PAGES", "always", 1);
  const LoadedCheckpoint ck = load_checkpoint(file);
  ::unsetenv("DEPTHSCOPE_RELEASE_WEIGHT_PAGES");
  EXPECT_TRUE(MappedFile::releases_after_read(ck.weights.layers[0].w_up.data_ptr()));  // a view of the mapping
}

INSTANTIATE_TEST_SUITE_P(Files, GgufReference, ::testing::Values("llama-f16-bf16", "llama-q8_0", "llama-q4_k_m"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace depthscope
