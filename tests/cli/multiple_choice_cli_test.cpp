// depthscope-cli multiple-choice and prune-sweep --choices on the shipped example models
// (24 layers, bytes): the top-level lm-eval fields, stderr = sqrt(p(1-p)/(n-1)), a malformed
// line named, and the per-layer acc/acc_norm of prune-sweep identical at 1 and 2 threads (the
// text's loss within 1e-6).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli/run_cli.h"
#include "tests/test_support.h"

namespace {

using namespace depthscope::test;
namespace fs = std::filesystem;

fs::path examples_dir() { return fs::path(__FILE__).parent_path().parent_path().parent_path() / "resources" / "examples"; }

// Ten items in DepthScope's own format; each answer is the word the text goes on with.
std::string write_choices(const fs::path& dir) {
  const fs::path file = dir / "choices.jsonl";
  std::ofstream out(file);
  const char* items[][5] = {
      {"Q: What is the answer to life, the universe and everything?\nA:", "42", "the", "fortune", "0"},
      {"A fool and his money are soon", "parted", "green", "computers", "0"},
      {"You will meet a tall dark", "stranger", "integer", "kernel", "0"},
      {"Time flies like an arrow; fruit flies like a", "banana", "compiler", "theorem", "0"},
      {"The early bird gets the", "worm", "hacker", "register", "0"},
      {"A penny saved is a penny", "earned", "booted", "parsed", "0"},
      {"All that glitters is not", "gold", "segfault", "jargon", "0"},
      {"When in Rome, do as the Romans", "do", "compile", "hack", "0"},
      {"Don't count your chickens before they", "hatch", "link", "crash", "0"},
      {"Where there is smoke, there is", "fire", "a bug", "the void", "0"}};
  for (const auto& it : items)
    out << nlohmann::json({{"context", it[0]}, {"choices", {it[1], it[2], it[3]}}, {"answer", std::stoi(it[4])}}).dump()
        << "\n";
  return file.string();
}

std::string text_file(const fs::path& dir) {
  const fs::path file = dir / "text.txt";
  std::ofstream out(file);
  for (int i = 0; i < 12; ++i)
    out << "A fool and his money are soon parted. The early bird gets the worm. All that glitters is not gold.\n";
  return file.string();
}

TEST(MultipleChoiceCli, PrintsLmEvalFieldsWithSampleStderr) {
  const fs::path model = examples_dir() / "pre-ln";
  if (!fs::exists(model / "config.json")) GTEST_SKIP() << "example model missing: " << model;
  const fs::path dir = scratch_dir("mc_cli_fields");
  const auto r = run_cli("--threads 2 multiple-choice \"" + model.string() + "\" --choices \"" + write_choices(dir) +
                             "\" --json",
                         /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("items"), 10);
  for (const char* metric : {"acc", "acc_norm"}) {
    const double p = j.at(metric).get<double>();
    EXPECT_GE(p, 0);
    EXPECT_LE(p, 1);
    EXPECT_DOUBLE_EQ(std::round(p * 10), p * 10) << metric << ": a fraction of 10 items";
    // The sample standard deviation (n - 1) over sqrt(n) of the 0/1 outcomes.
    EXPECT_NEAR(j.at(std::string(metric) + "_stderr").get<double>(), std::sqrt(p * (1 - p) / 9), 1e-12) << metric;
  }
}

TEST(MultipleChoiceCli, AMalformedLineIsNamed) {
  const fs::path model = examples_dir() / "pre-ln";
  if (!fs::exists(model / "config.json")) GTEST_SKIP() << "example model missing: " << model;
  const fs::path dir = scratch_dir("mc_cli_malformed");
  const std::string file = write_choices(dir);
  std::ofstream(file, std::ios::app) << R"({"context": "x", "choices": ["a", "b"], "answer": 5})" << "\n";
  const auto r = run_cli("multiple-choice \"" + model.string() + "\" --choices \"" + file + "\"");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(file), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("11"), std::string::npos) << "the line: " << r.output;
  EXPECT_NE(r.output.find("answer"), std::string::npos) << "the field: " << r.output;
}

TEST(MultipleChoiceCli, PruneSweepScoresEachLayerTheSameAtOneAndTwoThreads) {
  const fs::path model = examples_dir() / "lns";
  if (!fs::exists(model / "config.json")) GTEST_SKIP() << "example model missing: " << model;
  const fs::path dir = scratch_dir("mc_cli_prune");
  const std::string args = "prune-sweep \"" + model.string() + "\" --text \"" + text_file(dir) +
                           "\" --max-tokens 600 --ctx 128 --choices \"" + write_choices(dir) + "\" --json";
  const auto one = run_cli("--threads 1 " + args, /*stdout_only=*/true);
  const auto two = run_cli("--threads 2 " + args, /*stdout_only=*/true);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto a = nlohmann::json::parse(one.output), b = nlohmann::json::parse(two.output);
  const auto& layers = a.at("layers");
  ASSERT_EQ(layers.size(), 24u) << a;
  // The accuracies are identical. The text's loss is not bitwise (OpenBLAS sums a GEMM's edge
  // tiles in another order at 2 threads; measured 1.6e-8 relative, docs/analysis.md), so it is
  // held to 1e-6 relative.
  const auto same = [](const nlohmann::json& x, const nlohmann::json& y, const char* key) {
    if (std::string(key) != "loss" && std::string(key) != "ppl") return x.at(key) == y.at(key);
    return std::fabs(x.at(key).get<double>() - y.at(key).get<double>()) <= 1e-6 * std::fabs(y.at(key).get<double>());
  };
  for (const char* key : {"acc", "acc_norm", "acc_stderr", "acc_norm_stderr", "loss", "ppl"})
    EXPECT_TRUE(same(a.at("baseline"), b.at("baseline"), key)) << key << ": " << a["baseline"] << " vs " << b["baseline"];
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (const char* key : {"acc", "acc_norm", "acc_stderr", "acc_norm_stderr", "loss", "ppl"}) {
      ASSERT_TRUE(layers[l].contains(key)) << key << " missing for layer " << l + 1 << ": " << layers[l];
      EXPECT_TRUE(same(layers[l], b.at("layers")[l], key)) << key << " of layer " << l + 1;
    }
    EXPECT_TRUE(layers[l].contains("delta_acc_norm")) << layers[l];
  }
}

}  // namespace
