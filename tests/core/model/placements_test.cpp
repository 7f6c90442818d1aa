// The 2019-2026 placements (docs/model.md, "Later placements"): each one's published
// initialisation, GPAS's stop-gradient against autograd, both forwards agreeing, a trained
// model's logits surviving a checkpoint round trip, and LNS folded into a Pre-LN checkpoint.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/hf_config.h"
#include "core/model/fold_lns.h"
#include "core/model/gpas.h"
#include "core/model/transformer.h"
#include "core/train/adam.h"
#include "core/train/train_spec.h"
#include "core/train/train_step.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

ModelConfig small_config(NormScheme scheme, bool gpas = false) {
  ModelConfig c;
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_layers = 4;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 32;
  c.norm_scheme = scheme;
  c.gpas = gpas;
  return c;
}

// Every scheme, and GPAS on Pre-LN and on LNS.
std::vector<SchemeChoice> every_choice() {
  std::vector<SchemeChoice> v;
  for (NormScheme s : all_norm_schemes()) v.push_back({s, false});
  v.push_back({NormScheme::pre, true});
  v.push_back({NormScheme::lns, true});
  return v;
}

bool all_equal(const at::Tensor& t, double v) { return at::equal(t, at::full_like(t, v)); }

TEST(Placements, PeriLnOutputNormsStartAtOneAndTheEmbeddingNormIsOn) {
  const Transformer m = Transformer::random(small_config(NormScheme::peri), 1);
  ASSERT_TRUE(m.weights().embed_norm_w.defined());
  EXPECT_TRUE(all_equal(m.weights().embed_norm_w, 1.0));
  for (const LayerWeights& lw : m.weights().layers) {
    EXPECT_TRUE(all_equal(lw.attn_out_norm_w, 1.0));
    EXPECT_TRUE(all_equal(lw.mlp_out_norm_w, 1.0));
    EXPECT_TRUE(all_equal(lw.attn_norm_w, 1.0));
  }
  // The embedding norm acts: x_1 = e / sqrt(mean(e^2) + eps) for the token embeddings e.
  at::NoGradGuard no_grad;
  const at::Tensor ids = at::arange(10, at::kLong);
  const at::Tensor x = m.embed(ids.unsqueeze(0)).squeeze(0);  // [10, d]
  const at::Tensor e = m.weights().tok_embeddings.index_select(0, ids);  // [10, d]
  EXPECT_TRUE(at::allclose(x, e * at::rsqrt(e.pow(2).mean(-1, true) + 1e-5), 1e-5, 1e-6));
  EXPECT_FALSE(at::allclose(x, e, 1e-2, 1e-3));
}

TEST(Placements, DytAlphaIsSetPerSiteAndGammaAndEmbedScaleStartAsPublished) {
  const Transformer m = Transformer::random(small_config(NormScheme::dyt), 1);
  const ModelWeights& w = m.weights();
  EXPECT_TRUE(all_equal(w.embed_scale, std::sqrt(32.0)));
  EXPECT_TRUE(all_equal(w.final_norm_alpha, 0.2));
  EXPECT_TRUE(all_equal(w.final_norm_w, 1.0));
  for (const LayerWeights& lw : w.layers) {
    EXPECT_TRUE(all_equal(lw.attn_norm_alpha, 0.8));
    EXPECT_TRUE(all_equal(lw.mlp_norm_alpha, 0.2));
    EXPECT_TRUE(all_equal(lw.attn_norm_w, 1.0));
    EXPECT_TRUE(all_equal(lw.mlp_norm_w, 1.0));
  }
  // Overridden in the spec.
  const TrainSpec spec = parse_train_spec_text(
      R"({"model": {"layers": 2, "hidden": 32, "heads": 2, "dyt_alpha_attn": 1.5, "dyt_alpha_ffn": 0.5,
          "dyt_alpha_final": 0.25}, "schemes": ["dyt"], "corpus": {"dir": "x"}})");
  const Transformer o = Transformer::random(spec.run_config(NormScheme::dyt, 50), 1);
  EXPECT_TRUE(all_equal(o.weights().layers[1].attn_norm_alpha, 1.5));
  EXPECT_TRUE(all_equal(o.weights().layers[1].mlp_norm_alpha, 0.5));
  EXPECT_TRUE(all_equal(o.weights().final_norm_alpha, 0.25));
}

TEST(Placements, HybridNormQkvNormsStartAtOne) {
  for (NormScheme s : {NormScheme::hybrid, NormScheme::hybrid_star}) {
    const Transformer m = Transformer::random(small_config(s), 1);
    for (const LayerWeights& lw : m.weights().layers) {
      EXPECT_TRUE(all_equal(lw.q_norm_w, 1.0)) << display_name(s);
      EXPECT_TRUE(all_equal(lw.k_norm_w, 1.0)) << display_name(s);
      EXPECT_TRUE(all_equal(lw.v_norm_w, 1.0)) << display_name(s);
    }
    // HybridNorm* alone has an attention input norm, and only in block 1.
    EXPECT_EQ(m.weights().layers[0].attn_norm_w.defined(), s == NormScheme::hybrid_star);
    EXPECT_FALSE(m.weights().layers[1].attn_norm_w.defined());
  }
}

TEST(Placements, SkipInitScalesAndGpasGatesStartAtZero) {
  const Transformer s = Transformer::random(small_config(NormScheme::skipinit), 1);
  for (const LayerWeights& lw : s.weights().layers) {
    EXPECT_EQ(lw.attn_scale.sizes(), at::IntArrayRef({1}));
    EXPECT_TRUE(all_equal(lw.attn_scale, 0.0));
    EXPECT_TRUE(all_equal(lw.mlp_scale, 0.0));
    EXPECT_FALSE(lw.attn_norm_w.defined());
  }
  // SkipInit at init: every block is the identity.
  at::NoGradGuard no_grad;
  const at::Tensor x = s.embed(at::arange(8, at::kLong).unsqueeze(0));
  EXPECT_TRUE(at::equal(s.block(3, x), x));
  const Transformer g = Transformer::random(small_config(NormScheme::lns, true), 1);
  for (const LayerWeights& lw : g.weights().layers) EXPECT_TRUE(all_equal(lw.gpas_gate, 0.0));
}

TEST(Placements, LnsGammaStartsAtOneOverSqrtLAndIsSavedAsPlainPre) {
  const ModelConfig c = small_config(NormScheme::lns_gamma);
  const Transformer m = Transformer::random(c, 1);
  for (std::int64_t l = 1; l <= 4; ++l) {
    const LayerWeights& lw = m.weights().layers[static_cast<std::size_t>(l - 1)];
    EXPECT_TRUE(at::allclose(lw.attn_norm_w, at::full({32}, 1.0 / std::sqrt(double(l)))));
    EXPECT_TRUE(at::allclose(lw.mlp_norm_w, at::full({32}, 1.0 / std::sqrt(double(l)))));
  }
  // At init it computes what LNS computes (the gain sits in the weight instead of after it).
  const Transformer lns = Transformer::random(small_config(NormScheme::lns), 1);
  at::NoGradGuard no_grad;
  const at::Tensor tokens = at::arange(12, at::kLong).unsqueeze(0);
  EXPECT_LT((m.forward(tokens) - lns.forward(tokens)).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(hf_config_json(c).count("depthscope_norm_scheme"), 0u) << hf_config_text(c);
  const fs::path dir = test::scratch_dir("lns_gamma_saved");
  save_hf(dir.string(), c, m.weights());
  EXPECT_EQ(load_checkpoint(dir.string()).config.norm_scheme, NormScheme::pre);
}

// GPAS's forward is (1 - SiLU(g)) x; the stop-gradient leaves x's gradient the identity and
// g's gradient that of the formula without it.
TEST(Placements, GpasGradientIsTheIdentityToXAndAutogradsToTheGate) {
  at::Tensor x = at::randn({3, 5, 8}, at::kDouble).set_requires_grad(true);
  at::Tensor g = at::full({1}, 0.7, at::kDouble).set_requires_grad(true);
  const at::Tensor up = at::randn({3, 5, 8}, at::kDouble);  // dL/dy
  const at::Tensor y = gpas(x, g);
  EXPECT_TRUE(at::allclose(y, (1 - at::silu(g)) * x));
  y.backward(up);
  // The formula without the stop-gradient, by autograd.
  at::Tensor x2 = x.detach().clone().set_requires_grad(true);
  at::Tensor g2 = g.detach().clone().set_requires_grad(true);
  (x2 - at::silu(g2) * x2).backward(up);
  EXPECT_TRUE(at::allclose(g.grad(), g2.grad(), 1e-12, 1e-12)) << g.grad() << " vs " << g2.grad();
  EXPECT_TRUE(at::equal(x.grad(), up)) << "the gradient to x is the identity";
  EXPECT_FALSE(at::allclose(x2.grad(), up)) << "(without the stop-gradient it would be shrunk)";
}

// The row kernels (analyses) and the autograd composition (training) compute the same block,
// for every scheme, on weights moved away from their init so every tensor matters.
TEST(Placements, BothForwardsAgreeForEveryScheme) {
  for (const SchemeChoice& s : every_choice()) {
    Transformer m = Transformer::random(small_config(s.scheme, s.gpas), 3);
    at::manual_seed(5);
    for (auto& [name, t] : named_tensors(m.mutable_weights(), m.config())) t->add_(at::randn_like(*t) * 0.1);
    const at::Tensor tokens = at::randint(0, 50, {2, 9}, at::kLong);
    const at::Tensor autograd_logits = m.forward(tokens).detach();
    at::NoGradGuard no_grad;
    const at::Tensor row_logits = m.forward(tokens);
    EXPECT_LT((autograd_logits - row_logits).abs().max().item<double>(), 2e-5) << display_name(s);
  }
}

// Every scheme trains a few steps in memory; its checkpoint, reopened, gives the in-memory
// model's logits exactly, and every parameter of the scheme is learned.
TEST(Placements, TrainedModelsSurviveACheckpointRoundTripExactly) {
  for (const SchemeChoice& s : every_choice()) {
    const ModelConfig c = small_config(s.scheme, s.gpas);
    Transformer m(c, clone_weights(Transformer::random(c, 2).weights(), c));
    const NamedParams params = trainable_parameters(m);
    std::map<std::string, at::Tensor> before;
    for (const auto& [name, p] : params) before[name] = p.detach().clone();
    Adam adam(params, AdamOptions{});
    at::manual_seed(9);
    const at::Tensor batch = at::randint(0, 50, {2, 13}, at::kLong);  // [B, T+1]
    for (int step = 0; step < 3; ++step) {
      const StepOutcome out = train_step(m, params, adam, 1e-2, 0, 1, [&](std::int64_t) { return batch; });
      EXPECT_TRUE(std::isfinite(out.loss)) << display_name(s);
    }
    for (const auto& [name, p] : params)
      EXPECT_FALSE(at::equal(p.detach(), before.at(name))) << display_name(s) << ": " << name << " did not move";
    const fs::path dir = test::scratch_dir("placement_round_trip_" + to_string(s));
    save_hf(dir.string(), c, m.weights());
    const LoadedCheckpoint ck = load_checkpoint(dir.string());
    EXPECT_EQ(ck.config.gpas, s.gpas);
    EXPECT_EQ(ck.config.norm_scheme, s.scheme == NormScheme::lns_gamma ? NormScheme::pre : s.scheme);
    Transformer reopened(ck.config, ck.weights);
    trainable_parameters(reopened);  // trainable like m: the same (packed) training GEMMs
    // Both through the autograd forward (the same GEMMs), so equal means bit for bit.
    const at::Tensor tokens = batch.slice(1, 0, 12);
    EXPECT_TRUE(at::equal(m.forward(tokens).detach(), reopened.forward(tokens).detach())) << display_name(s);
  }
}

TEST(Placements, FoldedLnsCheckpointIsPlainPreLnWithTheSameLogits) {
  for (const char* folder : {"schemes/llama-lns", "schemes/gpt2-lns"}) {
    DS_REQUIRE_SHARED(std::string(folder) + "/config.json");
    const LoadedCheckpoint ck = load_checkpoint(test::shared_data(folder));
    const FoldedModel f = fold_lns(ck.config, ck.weights);
    EXPECT_EQ(f.config.norm_scheme, NormScheme::pre);
    const fs::path dir = test::scratch_dir(std::string("folded_") + (folder + 8));
    save_hf(dir.string(), f.config, f.weights);
    std::ifstream in(dir / "config.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("depthscope_norm_scheme"), std::string::npos) << text;
    const LoadedCheckpoint back = load_checkpoint(dir.string());
    const at::Tensor tokens = at::arange(0, 40, at::kLong).remainder(ck.config.vocab_size).unsqueeze(0);
    at::NoGradGuard no_grad;
    const at::Tensor a = Transformer(ck.config, ck.weights).forward(tokens);
    const at::Tensor b = Transformer(back.config, back.weights).forward(tokens);
    EXPECT_LT((a - b).abs().max().item<double>(), 1e-5) << folder;
  }
}

TEST(Placements, FoldingRefusesSchemesWhereItIsNotExact) {
  for (const SchemeChoice& s : {SchemeChoice{NormScheme::post, false}, SchemeChoice{NormScheme::dyt, false},
                                SchemeChoice{NormScheme::sandwich, false}, SchemeChoice{NormScheme::lns, true}}) {
    const ModelConfig c = small_config(s.scheme, s.gpas);
    const Transformer m = Transformer::random(c, 1);
    try {
      fold_lns(c, m.weights());
      FAIL() << display_name(s) << " was folded";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(s.gpas ? "GPAS" : display_name(s.scheme)), std::string::npos) << e.what();
    }
  }
}

TEST(Placements, SchemeWordsParseWithTheGpasAddOn) {
  EXPECT_EQ(to_string(parse_scheme_choice("lns+gpas")), "lns+gpas");
  EXPECT_TRUE(parse_scheme_choice("pre+gpas").gpas);
  EXPECT_FALSE(parse_scheme_choice("hybrid_star").gpas);
  EXPECT_EQ(display_name(parse_scheme_choice("pre+gpas")), "Pre-LN + GPAS");
  EXPECT_THROW(parse_scheme_choice("gpas"), UsageError);
  EXPECT_THROW(parse_scheme_choice("peri+gpa"), UsageError);
  // Every name is distinct and parses back.
  for (NormScheme s : all_norm_schemes()) EXPECT_EQ(parse_norm_scheme(to_string(s)), s);
}

}  // namespace
}  // namespace depthscope
