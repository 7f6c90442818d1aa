// Real checkpoints against logits computed by independent implementations
// (../shared/data/README.md): llama2.c's run.c for stories260K, a PyTorch implementation of
// the HF model definitions for the tiny family checkpoints. Tolerance 5e-4 max abs.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 5e-4;

std::vector<std::int64_t> read_tokens(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::int64_t> ids;
  std::int64_t id;
  while (in >> id) ids.push_back(id);
  return ids;
}

at::Tensor read_logits(const std::string& path, std::int64_t rows) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::int64_t n = static_cast<std::int64_t>(bytes.size() / 4);
  at::Tensor t = at::empty({n}, at::kFloat);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.reshape({rows, n / rows});  // [T, V]
}

at::Tensor logits_of(const LoadedCheckpoint& ck, const std::vector<std::int64_t>& ids) {
  const Transformer model(ck.config, ck.weights);
  const at::Tensor tokens = at::tensor(ids, at::kLong).unsqueeze(0);  // [1, T]
  return model.forward(tokens).squeeze(0);                            // [T, V]
}

void expect_matches_reference(const at::Tensor& got, const at::Tensor& ref, const std::string& what,
                              double tolerance = kTolerance) {
  ASSERT_EQ(got.sizes(), ref.sizes()) << what;
  const at::Tensor diff = (got - ref).abs();  // [T, V]
  const double max_diff = diff.max().item<double>();
  EXPECT_LT(max_diff, tolerance) << what << ": max abs diff " << max_diff << " at flat index "
                                 << diff.argmax().item<std::int64_t>();
  const at::Tensor row_max = std::get<0>(diff.max(1));  // [T]
  EXPECT_LT(row_max.max().item<double>(), tolerance) << what;
  // The same greedy top-1 token at every position. (stories260K has a near-tie of 1.9e-6 at
  // position 94; RoPE angles computed in float32, as Hugging Face and run.c do, keep even that
  // one: with float64 angles the pick flipped there.)
  const at::Tensor ours = got.argmax(1), theirs = ref.argmax(1);  // [T]
  for (std::int64_t t = 0; t < got.size(0); ++t)
    EXPECT_EQ(ours[t].item<std::int64_t>(), theirs[t].item<std::int64_t>())
        << what << ": greedy token differs at position " << t;
  std::cout << "[ reference ] " << what << ": max abs diff " << max_diff << ", same argmax at all "
            << got.size(0) << " positions\n";
}

// The inference forward every analysis runs (no gradient: row chunks, and on AVX-512 the
// packed-weight GEMMs and the fused attention) against run.c, at one and two threads.
TEST(ReferenceCheckpoint, Stories260KInferenceForwardMatchesRunC) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  DS_REQUIRE_SHARED("llama2c/stories260K.ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data("llama2c/stories260K.bin"));
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data("llama2c/stories260K.ref.tokens.txt"));
  const at::Tensor ref = read_logits(test::shared_data("llama2c/stories260K.ref.logits.f32"), 256);
  at::NoGradGuard no_grad;
  const int before = at::get_num_threads();
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    expect_matches_reference(logits_of(ck, ids), ref, "stories260K, inference forward, " + std::to_string(threads) + " threads");
  }
  at::set_num_threads(before);
}

TEST(ReferenceCheckpoint, Stories260KMatchesRunC) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  DS_REQUIRE_SHARED("llama2c/stories260K.ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data("llama2c/stories260K.bin"));
  EXPECT_EQ(ck.format, "llama2c-v0");
  EXPECT_EQ(ck.config.hidden_size, 64);
  EXPECT_EQ(ck.config.intermediate_size, 172);
  EXPECT_EQ(ck.config.num_layers, 5);
  EXPECT_EQ(ck.config.num_heads, 8);
  EXPECT_EQ(ck.config.num_kv_heads, 4);
  EXPECT_EQ(ck.config.vocab_size, 512);
  EXPECT_TRUE(ck.config.tie_word_embeddings);
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data("llama2c/stories260K.ref.tokens.txt"));
  ASSERT_EQ(ids.size(), 256u);
  const at::Tensor ref = read_logits(test::shared_data("llama2c/stories260K.ref.logits.f32"), 256);
  const at::Tensor got = logits_of(ck, ids);
  expect_matches_reference(got, ref, "stories260K");

  // Converted to HF layout and back to llama2.c: the same logits.
  const fs::path dir = test::scratch_dir("ref_stories_convert");
  save_hf((dir / "hf").string(), ck.config, ck.weights);
  const LoadedCheckpoint hf = load_checkpoint((dir / "hf").string());
  EXPECT_EQ(hf.format, "hf-safetensors");
  const at::Tensor hf_logits = logits_of(hf, ids);
  EXPECT_TRUE(at::equal(hf_logits, got));
  save_llama2c((dir / "back.bin").string(), hf.config, hf.weights);
  const LoadedCheckpoint back = load_checkpoint((dir / "back.bin").string());
  EXPECT_TRUE(at::equal(logits_of(back, ids), got));
  // The same bytes as the original: header and weights exactly (the q/k permutation is
  // undone), the RoPE tables (the last 2 * 512 * 4 floats; readers skip them) within 1e-6.
  const auto read_all = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::vector<char> original = read_all(test::shared_data("llama2c/stories260K.bin"));
  const std::vector<char> exported = read_all(dir / "back.bin");
  ASSERT_EQ(exported.size(), original.size());
  const std::size_t rope_bytes = 2 * 512 * 4 * 4;
  EXPECT_TRUE(std::equal(original.begin(), original.end() - rope_bytes, exported.begin()));
  at::Tensor rope_a = at::empty({2 * 512 * 4}, at::kFloat), rope_b = at::empty({2 * 512 * 4}, at::kFloat);
  std::memcpy(rope_a.data_ptr(), original.data() + original.size() - rope_bytes, rope_bytes);
  std::memcpy(rope_b.data_ptr(), exported.data() + exported.size() - rope_bytes, rope_bytes);
  EXPECT_LT((rope_a - rope_b).abs().max().item<double>(), 1e-6);
}

// Each family's tiny checkpoint through both forwards: the autograd composition (training)
// and the row kernels (every analysis).
class ReferenceFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceFamily, MatchesIndependentLogits) {
  const std::string folder = "families/" + GetParam();
  DS_REQUIRE_SHARED(folder + "/config.json");
  DS_REQUIRE_SHARED(folder + "/ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data(folder));
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(folder + "/ref.tokens.txt"));
  ASSERT_EQ(ids.size(), 48u);
  const at::Tensor ref = read_logits(test::shared_data(folder + "/ref.logits.f32"), 48);
  EXPECT_EQ(ref.size(1), ck.config.vocab_size);
  expect_matches_reference(logits_of(ck, ids), ref, GetParam() + ", autograd forward");
  {
    at::NoGradGuard no_grad;
    expect_matches_reference(logits_of(ck, ids), ref, GetParam() + ", inference forward");
  }
  // The parameter count the config implies is the one the file holds.
  std::int64_t stored = 0;
  ModelWeights w = ck.weights;  // shares the tensors
  for (const auto& [name, t] : named_tensors(w, ck.config)) stored += t->numel();
  EXPECT_EQ(ck.config.parameter_count(), stored);
}

INSTANTIATE_TEST_SUITE_P(Families, ReferenceFamily,
                         ::testing::Values("llama-tiny-f16", "qwen2-tiny-bf16-sharded", "qwen3-tiny-f32",
                                           "gpt2-tiny-f32", "olmo2-tiny-f32", "gemma2-tiny-f32"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// One tiny model per norm scheme (../shared/data/schemes), against logits of an independent
// PyTorch implementation of docs/paper.md's definitions.
class ReferenceScheme : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceScheme, MatchesIndependentLogits) {
  const std::string folder = "schemes/" + GetParam();
  DS_REQUIRE_SHARED(folder + "/config.json");
  DS_REQUIRE_SHARED(folder + "/ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data(folder));
  const std::string scheme = GetParam().substr(GetParam().find('-') + 1);
  EXPECT_EQ(to_string(ck.config.norm_scheme), scheme) << "the checkpoint's depthscope_norm_scheme";
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(folder + "/ref.tokens.txt"));
  ASSERT_EQ(ids.size(), 40u);
  const at::Tensor ref = read_logits(test::shared_data(folder + "/ref.logits.f32"), 40);
  EXPECT_EQ(ref.size(1), ck.config.vocab_size);
  expect_matches_reference(logits_of(ck, ids), ref, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Schemes, ReferenceScheme,
                         ::testing::Values("llama-pre", "llama-lns", "llama-post", "llama-mix", "llama-deepnorm",
                                           "llama-sandwich", "llama-layerscale", "llama-scaled_init", "gpt2-lns"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// The 2019-2026 placements (README "schemes/, 2025-26 placements"): Peri-LN, output-only norms,
// DyT, HybridNorm, HybridNorm*, SkipInit and GPAS on Pre-LN and on LNS, each against the logits
// of an independent PyTorch implementation, through both forwards: the autograd composition
// (training) and the row kernels (every analysis).
struct Placement {
  std::string folder;  // under schemes/
  std::string scheme;  // depthscope_norm_scheme
  bool gpas;
  double tolerance;    // DyT's logits are small (|z| < 0.6): 5e-5 there
};

class ReferencePlacement : public ::testing::TestWithParam<Placement> {};

TEST_P(ReferencePlacement, MatchesIndependentLogitsInBothForwards) {
  const Placement& p = GetParam();
  const std::string folder = "schemes/" + p.folder;
  DS_REQUIRE_SHARED(folder + "/config.json");
  DS_REQUIRE_SHARED(folder + "/ref.logits.f32");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data(folder));
  EXPECT_EQ(to_string(ck.config.norm_scheme), p.scheme) << "the checkpoint's depthscope_norm_scheme";
  EXPECT_EQ(ck.config.gpas, p.gpas) << "the checkpoint's depthscope_gpas";
  const std::vector<std::int64_t> ids = read_tokens(test::shared_data(folder + "/ref.tokens.txt"));
  ASSERT_EQ(ids.size(), 40u);
  const at::Tensor ref = read_logits(test::shared_data(folder + "/ref.logits.f32"), 40);
  EXPECT_EQ(ref.size(1), ck.config.vocab_size);
  expect_matches_reference(logits_of(ck, ids), ref, p.folder + ", autograd forward", p.tolerance);
  at::NoGradGuard no_grad;
  expect_matches_reference(logits_of(ck, ids), ref, p.folder + ", inference forward", p.tolerance);
  // The parameter count the config implies is the one the file holds.
  std::int64_t stored = 0;
  ModelWeights w = ck.weights;  // shares the tensors
  for (const auto& [name, t] : named_tensors(w, ck.config)) stored += t->numel();
  EXPECT_EQ(ck.config.parameter_count(), stored);
}

INSTANTIATE_TEST_SUITE_P(Placements, ReferencePlacement,
                         ::testing::Values(Placement{"llama-peri", "peri", false, kTolerance},
                                           Placement{"llama-output", "output", false, kTolerance},
                                           Placement{"llama-dyt", "dyt", false, 5e-5},
                                           Placement{"llama-hybrid", "hybrid", false, kTolerance},
                                           Placement{"llama-hybrid_star", "hybrid_star", false, kTolerance},
                                           Placement{"llama-skipinit", "skipinit", false, kTolerance},
                                           Placement{"llama-pre-gpas", "pre", true, kTolerance},
                                           Placement{"llama-lns-gpas", "lns", true, kTolerance}),
                         [](const auto& info) {
                           std::string n = info.param.folder;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// A checkpoint missing a tensor its scheme needs, or carrying one it does not use, is refused
// with the tensor named. Each case rewrites a reference checkpoint with one tensor taken out or
// one added.
struct Tampered {
  std::string folder;  // under schemes/
  std::string tensor;  // taken out, or added with `shape`
  std::vector<std::int64_t> shape;  // empty: taken out
};

class RefusedPlacement : public ::testing::TestWithParam<Tampered> {};

// Rewrites the checkpoint in `folder` (under ../shared/data) with `t.tensor` taken out or added
// and expects load_checkpoint to refuse it, naming the tensor.
void expect_refused(const std::string& folder, const Tampered& t) {
  NamedTensors tensors = load_safetensors(test::shared_data(folder + "/model.safetensors"));
  const std::size_t before = tensors.size();
  if (t.shape.empty())
    tensors.erase(std::remove_if(tensors.begin(), tensors.end(), [&](const auto& e) { return e.first == t.tensor; }),
                  tensors.end());
  else
    tensors.emplace_back(t.tensor, at::ones(t.shape, at::kFloat));
  ASSERT_EQ(tensors.size(), t.shape.empty() ? before - 1 : before + 1) << t.tensor;
  std::string name = t.folder + "_" + t.tensor;
  for (char& ch : name)
    if (ch == '.' || ch == '-') ch = '_';
  const fs::path dir = test::scratch_dir("refused_" + name);
  fs::copy_file(test::shared_data(folder + "/config.json"), dir / "config.json", fs::copy_options::overwrite_existing);
  save_safetensors((dir / "model.safetensors").string(), tensors);
  try {
    load_checkpoint(dir.string());
    FAIL() << t.folder << " with " << t.tensor << (t.shape.empty() ? " taken out" : " added") << " was accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(t.tensor), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(t.shape.empty() ? "missing" : "not used"), std::string::npos) << e.what();
  }
}

TEST_P(RefusedPlacement, NamesTheTensor) {
  const std::string folder = "schemes/" + GetParam().folder;
  DS_REQUIRE_SHARED(folder + "/model.safetensors");
  expect_refused(folder, GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Placements, RefusedPlacement,
    ::testing::Values(Tampered{"llama-peri", "model.embed_norm.weight", {}},
                      Tampered{"llama-peri", "model.embed_scale", {1}},
                      Tampered{"llama-output", "model.layers.3.mlp_out_norm.weight", {}},
                      Tampered{"llama-output", "model.layers.0.input_layernorm.weight", {64}},
                      Tampered{"llama-dyt", "model.norm.alpha", {}},
                      Tampered{"llama-dyt", "model.layers.4.post_attention_layernorm.alpha", {}},
                      Tampered{"llama-dyt", "model.embed_norm.weight", {64}},
                      Tampered{"llama-hybrid", "model.layers.2.self_attn.v_norm.weight", {}},
                      Tampered{"llama-hybrid", "model.layers.2.input_layernorm.weight", {64}},
                      Tampered{"llama-hybrid_star", "model.layers.0.input_layernorm.weight", {}},
                      Tampered{"llama-hybrid_star", "model.layers.1.input_layernorm.weight", {64}},
                      Tampered{"llama-skipinit", "model.layers.5.attn_residual_scale", {}},
                      Tampered{"llama-skipinit", "model.layers.0.post_attention_layernorm.weight", {64}},
                      Tampered{"llama-pre-gpas", "model.layers.7.gpas_gate", {}},
                      Tampered{"llama-pre-gpas", "model.layers.0.attn_out_norm.weight", {64}},
                      Tampered{"llama-lns-gpas", "model.layers.0.gpas_gate", {}},
                      Tampered{"llama-pre", "model.layers.0.gpas_gate", {1}}),
    [](const auto& info) {
      std::string n = info.param.folder + "_" + info.param.tensor + (info.param.shape.empty() ? "_missing" : "_extra");
      for (char& ch : n)
        if (ch == '-' || ch == '.') ch = '_';
      return n;
    });

// OLMo 2 read as Hugging Face writes it: output norms under its own names, q/k norms over the
// whole projections; strict loading refuses a missing or an unused tensor by name, and a
// DepthScope out-norm name is not an OLMo 2 tensor.
TEST(ReferenceCheckpoint, Olmo2NamesItsTensorsAndRefusesMissingOrUnusedOnes) {
  const std::string folder = "families/olmo2-tiny-f32";
  DS_REQUIRE_SHARED(folder + "/model.safetensors");
  const LoadedCheckpoint ck = load_checkpoint(test::shared_data(folder));
  EXPECT_EQ(ck.config.family, ModelFamily::olmo2);
  EXPECT_EQ(ck.config.norm_scheme, NormScheme::output);
  EXPECT_TRUE(ck.config.qk_norm_full);
  EXPECT_FALSE(ck.config.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(ck.config.rope_theta, 500000.0);
  const LayerWeights& l0 = ck.weights.layers[0];
  EXPECT_EQ(l0.q_norm_w.sizes(), (std::vector<std::int64_t>{64}));  // heads * head_dim
  EXPECT_EQ(l0.k_norm_w.sizes(), (std::vector<std::int64_t>{32}));  // kv_heads * head_dim
  EXPECT_FALSE(l0.attn_norm_w.defined());
  EXPECT_FALSE(l0.mlp_norm_w.defined());
  const NamedTensors file = load_safetensors(test::shared_data(folder + "/model.safetensors"));
  for (const auto& [name, t] : file) {
    if (name == "model.layers.2.post_attention_layernorm.weight")
      EXPECT_TRUE(at::equal(ck.weights.layers[2].attn_out_norm_w, t)) << "the attention output norm";
    if (name == "model.layers.2.post_feedforward_layernorm.weight")
      EXPECT_TRUE(at::equal(ck.weights.layers[2].mlp_out_norm_w, t)) << "the MLP output norm";
  }
  expect_refused(folder, {"olmo2-tiny-f32", "model.layers.1.self_attn.q_norm.weight", {}});
  expect_refused(folder, {"olmo2-tiny-f32", "model.layers.3.post_feedforward_layernorm.weight", {}});
  expect_refused(folder, {"olmo2-tiny-f32", "model.layers.0.input_layernorm.weight", {64}});
  // DepthScope's own out-norm key is no tensor of an OLMo 2 model.
  NamedTensors tensors = file;
  tensors.emplace_back("model.layers.0.attn_out_norm.weight", at::ones({64}, at::kFloat));
  const fs::path dir = test::scratch_dir("refused_olmo2_attn_out_norm");
  fs::copy_file(test::shared_data(folder + "/config.json"), dir / "config.json", fs::copy_options::overwrite_existing);
  save_safetensors((dir / "model.safetensors").string(), tensors);
  try {
    load_checkpoint(dir.string());
    FAIL() << "an OLMo 2 file with attn_out_norm.weight was accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.attn_out_norm.weight"), std::string::npos) << e.what();
  }
}

TEST(ReferenceCheckpoint, FamilyFormatsAndDtypes) {
  DS_REQUIRE_SHARED("families/qwen2-tiny-bf16-sharded/model.safetensors.index.json");
  DS_REQUIRE_SHARED("families/llama-tiny-f16/model.safetensors");
  const LoadedCheckpoint q = load_checkpoint(test::shared_data("families/qwen2-tiny-bf16-sharded"));
  EXPECT_EQ(q.format, "hf-sharded");
  EXPECT_EQ(q.source_dtype, "BF16");
  EXPECT_TRUE(q.config.qkv_bias);
  const LoadedCheckpoint l = load_checkpoint(test::shared_data("families/llama-tiny-f16"));
  EXPECT_EQ(l.format, "hf-safetensors");
  EXPECT_EQ(l.source_dtype, "F16");
  EXPECT_FALSE(l.config.tie_word_embeddings);
}

}  // namespace
}  // namespace depthscope
