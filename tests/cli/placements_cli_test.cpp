// The 2019-2026 placements through the CLI (issue 23): each new scheme, and GPAS on Pre-LN and
// on LNS, trains a few steps with a finite loss, stops with a checkpoint, resumes exactly, and
// its checkpoint reopens; `convert --fold-lns` writes the LNS reference as a plain Pre-LN
// checkpoint with the same logits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/run_cli.h"
#include "cli/train_losses.h"
#include "cli/tiny_corpus.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace depthscope;
using depthscope::test::run_cli;

at::Tensor logits_of(const std::string& checkpoint) {
  const LoadedCheckpoint ck = load_checkpoint(checkpoint);
  const Transformer model(ck.config, ck.weights);
  at::NoGradGuard no_grad;
  return model.forward(at::arange(0, 24, at::kLong).remainder(ck.config.vocab_size).unsqueeze(0));  // [1, 24, V]
}

class PlacementCli : public ::testing::TestWithParam<std::string> {};

TEST_P(PlacementCli, TrainsStopsResumesExactlyAndReopens) {
  const SchemeChoice choice = parse_scheme_choice(GetParam());
  std::string name = GetParam();
  for (char& ch : name)
    if (ch == '+') ch = '_';
  const fs::path dir = test::scratch_dir("placement_cli_" + name);
  test::write_tiny_corpus(dir / "t.txt");
  const fs::path spec = dir / "spec.json";
  std::ofstream(spec) << R"({"name": "zoo", "model": {"layers": 3, "hidden": 32, "heads": 2, "ffn": 64},
    "schemes": [")" << to_string(choice.scheme) << R"("], "gpas": )" << (choice.gpas ? "true" : "false")
                      << R"(, "corpus": {"text": ["t.txt"], "tokenizer": "bytes"}, "steps": 6, "batch": 2, "seq": 16,
    "eval_every": 3, "eval_tokens": 128, "layer_metrics_every": 3, "checkpoint_every": 3, "seed": 4})";

  // Uninterrupted.
  const std::string a = (dir / "a.sqlite").string();
  const auto ra = run_cli("--threads 1 train --spec " + spec.string() + " --db " + a);
  ASSERT_EQ(ra.exit_code, 0) << ra.output;
  const auto la = depthscope::test::train_losses(a, 1);
  ASSERT_EQ(la.size(), 6u);
  for (const auto& [step, loss] : la) EXPECT_TRUE(std::isfinite(loss)) << GetParam() << " step " << step;
  {
    store::RunDb db(a);
    EXPECT_EQ(db.get_run(1)->scheme, GetParam());
  }
  // The run table names the scheme as people read it ("Peri-LN", "LNS + GPAS").
  const auto compare = run_cli("runs compare 1 --json --db " + a, true);
  ASSERT_EQ(compare.exit_code, 0) << compare.output;
  const nlohmann::json cj = nlohmann::json::parse(compare.output);
  EXPECT_EQ(cj["runs"][0]["scheme_name"], display_name(choice));
  EXPECT_EQ(cj["groups"][0]["scheme_name"], display_name(choice));
  const auto compare_text = run_cli("runs compare 1 --db " + a, true);
  EXPECT_NE(compare_text.output.find(display_name(choice)), std::string::npos) << compare_text.output;

  // Stopped after step 3 with a checkpoint, then resumed: the same losses, bit for bit.
  const std::string b = (dir / "b.sqlite").string();
  const auto rb = run_cli("--threads 1 train --spec " + spec.string() + " --db " + b + " --stop-after 3");
  ASSERT_EQ(rb.exit_code, 0) << rb.output;
  {
    store::RunDb db(b);
    EXPECT_EQ(db.get_run(1)->status, store::RunStatus::stopped);
    ASSERT_TRUE(db.last_checkpoint(1));
    EXPECT_EQ(db.last_checkpoint(1)->step, 3);
  }
  const auto rr = run_cli("--threads 1 train --resume 1 --db " + b);
  ASSERT_EQ(rr.exit_code, 0) << rr.output;
  const auto lb = depthscope::test::train_losses(b, 1);
  ASSERT_EQ(lb.size(), 6u);
  for (const auto& [step, loss] : la) EXPECT_EQ(lb.at(step), loss) << GetParam() << " step " << step;

  // The final checkpoints reopen as the scheme (lns_gamma as plain pre) with GPAS as trained,
  // and the resumed run's model is the uninterrupted one's.
  std::string final_a, final_b;
  {
    store::RunDb da(a), dbb(b);
    final_a = da.last_checkpoint(1)->path;
    final_b = dbb.last_checkpoint(1)->path;
  }
  const LoadedCheckpoint ck = load_checkpoint(final_a);
  EXPECT_EQ(ck.config.norm_scheme, choice.scheme == NormScheme::lns_gamma ? NormScheme::pre : choice.scheme);
  EXPECT_EQ(ck.config.gpas, choice.gpas);
  const at::Tensor za = logits_of(final_a);
  EXPECT_TRUE(at::isfinite(za).all().item<bool>());
  EXPECT_TRUE(at::equal(za, logits_of(final_b))) << GetParam();
  // `inspect` names it by its display name ("Peri-LN", "LNS + GPAS"; lns_gamma reopens as Pre-LN).
  const auto inspect = run_cli("inspect " + final_a + " --json", true);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_EQ(nlohmann::json::parse(inspect.output).at("norm_scheme"),
            display_name(SchemeChoice{ck.config.norm_scheme, choice.gpas}));
}

INSTANTIATE_TEST_SUITE_P(Schemes, PlacementCli,
                         ::testing::Values("peri", "output", "dyt", "hybrid", "hybrid_star", "skipinit", "lns_gamma",
                                           "pre+gpas", "lns+gpas"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '+') ch = '_';
                           return n;
                         });

// bench-train times a step of any scheme (the scheme zoo's per-scheme step times).
TEST(PlacementCli, BenchTrainTakesTheScheme) {
  const std::string shape = " --layers 2 --hidden 32 --heads 2 --ffn 64 --batch 1 --seq 16 --steps 1 --warmup-steps 0 --json";
  for (const std::string scheme : {"dyt", "lns+gpas"}) {
    const auto r = run_cli("--threads 1 bench-train --scheme " + scheme + shape, true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const nlohmann::json j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["scheme"], scheme);
    EXPECT_TRUE(std::isfinite(j["first_loss"].get<double>())) << r.output;
  }
  const auto bad = run_cli("--threads 1 bench-train --scheme nope" + shape);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("nope"), std::string::npos) << bad.output;
}

TEST(PlacementCli, ConvertFoldLnsWritesAPlainPreLnCheckpointWithTheSameLogits) {
  DS_REQUIRE_SHARED("schemes/llama-lns/config.json");
  const std::string src = test::shared_data("schemes/llama-lns");
  const fs::path dst = test::scratch_dir("fold_lns_cli") / "folded";
  const auto r = run_cli("convert --fold-lns " + src + " " + dst.string() + " --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["norm_scheme"], "pre");
  EXPECT_EQ(j["folded_lns"], true);
  EXPECT_EQ(load_checkpoint(dst.string()).config.norm_scheme, NormScheme::pre);
  std::ifstream in(dst / "config.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("depthscope"), std::string::npos) << "a plain Llama config.json:\n" << text;
  EXPECT_LT((logits_of(src) - logits_of(dst.string())).abs().max().item<double>(), 1e-5);

  // Refused where folding is not exact, with the reason.
  const auto post = run_cli("convert --fold-lns " + test::shared_data("schemes/llama-post") + " " +
                            (dst.parent_path() / "post").string());
  EXPECT_NE(post.exit_code, 0);
  EXPECT_NE(post.output.find("normalises after the residual addition"), std::string::npos) << post.output;
  const auto gpas = run_cli("convert --fold-lns " + test::shared_data("schemes/llama-lns-gpas") + " " +
                            (dst.parent_path() / "gpas").string());
  EXPECT_NE(gpas.exit_code, 0);
  EXPECT_NE(gpas.output.find("GPAS"), std::string::npos) << gpas.output;
}

}  // namespace
