// GGUF models written by tests/core/io/gguf_writer.h from the tiny family checkpoints
// (../shared/data/families): the same model through the GGUF reader gives the family's
// reference logits (llama: the converter's q/k permutation undone; qwen2: biases, tied head,
// no permutation); a Q8_0 copy stays close; unsupported architectures and tensors are refused
// by name.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <fstream>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/quantised_weight.h"
#include "core/model/transformer.h"
#include "tests/core/io/gguf_writer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

at::Tensor logits_of(const LoadedCheckpoint& ck, std::int64_t n) {
  const Transformer model(ck.config, ck.weights);
  const at::Tensor tokens = at::arange(n, at::kLong).remainder(ck.config.vocab_size).unsqueeze(0);  // [1, n]
  return model.forward(tokens).squeeze(0);                                                          // [n, V]
}

class GgufFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufFamily, ConvertedCheckpointGivesTheSameLogits) {
  const std::string folder = "families/" + GetParam();
  DS_REQUIRE_SHARED(folder + "/config.json");
  at::NoGradGuard no_grad;
  const LoadedCheckpoint hf = load_checkpoint(test::shared_data(folder));
  const auto dir = test::scratch_dir("gguf_family_" + GetParam());
  const LoadedCheckpoint g = load_checkpoint(test::write_gguf((dir / "m.gguf").string(), hf, test::GgufMatrixType::f32));
  EXPECT_EQ(g.format, "gguf");
  EXPECT_EQ(g.config.family, hf.config.family);
  EXPECT_EQ(g.config.qkv_bias, hf.config.qkv_bias);
  EXPECT_EQ(g.config.tie_word_embeddings, hf.config.tie_word_embeddings);
  EXPECT_NEAR(g.config.rope_theta, hf.config.rope_theta, 1e-6 * hf.config.rope_theta);
  const at::Tensor a = logits_of(hf, 40), b = logits_of(g, 40);  // [40, V]
  const double diff = (a - b).abs().max().item<double>();
  EXPECT_LT(diff, 1e-4) << GetParam();
  EXPECT_TRUE(at::equal(a.argmax(1), b.argmax(1)));
  // q/k rows are back in rotate-halves order: the very weights of the HF checkpoint.
  EXPECT_TRUE(at::equal(g.weights.layers[0].wq.to(at::kFloat), hf.weights.layers[0].wq.to(at::kFloat)));

  const LoadedCheckpoint q = load_checkpoint(test::write_gguf((dir / "q8.gguf").string(), hf, test::GgufMatrixType::q8_0));
  EXPECT_NE(q.source_dtype.find("Q8_0"), std::string::npos) << q.source_dtype;
  // Q8_0 layer matrices stay quantised in the mapping (quantised_weight.h).
  EXPECT_TRUE(is_quantised_weight(q.weights.layers[0].w_up));
  EXPECT_EQ(quantised_weight_type(q.weights.layers[0].wq), "Q8_0");
  const at::Tensor wq = hf.weights.layers[0].w_up.to(at::kFloat);
  const double rel = ((dequantised_weight(q.weights.layers[0].w_up) - wq).norm() / wq.norm()).item<double>();
  // Their q/k rows are read back in rotate-halves order: the same as dequantising, then permuting.
  const at::Tensor q_rows = dequantised_weight(q.weights.layers[0].wq);  // [H*hd, d]
  const at::Tensor q_ref = hf.weights.layers[0].wq.to(at::kFloat);
  EXPECT_LT((q_rows - q_ref).abs().max().item<double>(), 0.02 * q_ref.abs().max().item<double>());
  const at::Tensor qa = logits_of(q, 40);  // [40, V]
  EXPECT_LT((qa - a).abs().max().item<double>(), 0.05 * a.abs().max().item<double>()) << "Q8_0 logits";
  EXPECT_LT(rel, 0.01) << "Q8_0 relative error of ffn_up";
  std::cout << "[ gguf ] " << GetParam() << ": F32 copy max abs logit diff " << diff << ", Q8_0 ffn_up relative error "
            << rel << "\n";
}

INSTANTIATE_TEST_SUITE_P(Families, GgufFamily, ::testing::Values("llama-tiny-f16", "qwen2-tiny-bf16-sharded"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const FileError& e) {
    return e.field() + ": " + e.problem();
  }
  return "accepted";
}

TEST(GgufModel, RefusesArchitecturesAndTensorsByName) {
  const auto dir = test::scratch_dir("gguf_refusals");
  test::GgufBuilder gemma;
  gemma.kv_string("general.architecture", "gemma");
  const std::string a = gemma.write((dir / "gemma.gguf").string());
  const std::string why = refusal([&] { load_checkpoint(a); });
  EXPECT_NE(why.find("general.architecture"), std::string::npos) << why;
  EXPECT_NE(why.find("'gemma'"), std::string::npos) << why;

  test::GgufBuilder partial;
  partial.kv_string("general.architecture", "llama")
      .kv_u32("llama.block_count", 1)
      .kv_u32("llama.embedding_length", 64)
      .kv_u32("llama.feed_forward_length", 128)
      .kv_u32("llama.attention.head_count", 4)
      .kv_u32("llama.rope.dimension_count", 8)
      .tensor("token_embd.weight", {64, 10}, 0, std::string(64 * 10 * 4, '\0'));
  const std::string p = partial.write((dir / "partial.gguf").string());
  const std::string rope = refusal([&] { load_checkpoint(p); });
  EXPECT_NE(rope.find("llama.rope.dimension_count"), std::string::npos) << rope;

  test::GgufBuilder extra;
  extra.kv_string("general.architecture", "llama")
      .kv_u32("llama.block_count", 1)
      .kv_u32("llama.embedding_length", 64)
      .kv_u32("llama.feed_forward_length", 128)
      .kv_u32("llama.attention.head_count", 4)
      .tensor("token_embd.weight", {64, 10}, 0, std::string(64 * 10 * 4, '\0'))
      .tensor("blk.0.attn_qkv.weight", {64, 192}, 0, std::string(64 * 192 * 4, '\0'));
  const std::string e = extra.write((dir / "extra.gguf").string());
  const std::string unexpected = refusal([&] { load_checkpoint(e); });
  EXPECT_NE(unexpected.find("tensor 'blk.0.attn_qkv.weight'"), std::string::npos) << unexpected;
}

}  // namespace
}  // namespace depthscope
