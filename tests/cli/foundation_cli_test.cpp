// End-to-end runs of depthscope-cli for the foundation commands.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/run_cli.h"
#include "core/version.h"

namespace {

using depthscope::test::run_cli;

TEST(CliFoundation, InfoJsonHasVersionsThreadsAndCuda) {
  const auto r = run_cli("info --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_FALSE(j.at("version").get<std::string>().empty());
  EXPECT_EQ(j.at("libtorch").get<std::string>().substr(0, 1).find_first_of("12"), 0u);
  EXPECT_GE(j.at("threads").get<int>(), 1);
  EXPECT_TRUE(j.at("cuda").contains("available"));
  EXPECT_FALSE(j.at("blas").get<std::string>().empty());
}

TEST(CliFoundation, ThreadsOptionIsApplied) {
  const auto r = run_cli("--threads 1 info --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output).at("threads").get<int>(), 1);
}

// Issue 14: one version (the CMake project's) everywhere; info names the plugin and data it found.
TEST(CliFoundation, VersionFlagAndInfoShowTheProjectVersion) {
  const auto v = run_cli("--version", true);
  ASSERT_EQ(v.exit_code, 0) << v.output;
  EXPECT_EQ(v.output, std::string("depthscope-cli ") + DEPTHSCOPE_VERSION + "\n");
  const auto r = run_cli("info --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output).at("version").get<std::string>(), DEPTHSCOPE_VERSION);
}

TEST(CliFoundation, InfoNamesTheLoadedPluginAndTheDataFolder) {
  const auto r = run_cli("info --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  const std::string plugin = j.at("sentencepiece_plugin").get<std::string>();
  EXPECT_NE(plugin.find("depthscope_sentencepiece.so"), std::string::npos) << plugin;
  // In the build tree the data folder is the source tree's resources/ (specs, examples).
  const std::string data = j.at("data_dir").get<std::string>();
  ASSERT_GT(data.size(), 10u) << data;
  EXPECT_EQ(data.substr(data.size() - 10), "/resources") << data;
}

double last_over_first(const nlohmann::json& j) {
  const auto& layers = j.at("layers");
  return layers.back().at("output_variance").get<double>() /
         layers.front().at("output_variance").get<double>();
}

TEST(CliFoundation, VarianceAtInitJsonHasOneEntryPerLayerAndPreGrowsFaster) {
  const auto pre = run_cli("variance-at-init --layers 48 --scheme pre --json", true);
  const auto lns = run_cli("variance-at-init --layers 48 --scheme lns --json", true);
  ASSERT_EQ(pre.exit_code, 0) << pre.output;
  ASSERT_EQ(lns.exit_code, 0) << lns.output;
  const auto jp = nlohmann::json::parse(pre.output), jl = nlohmann::json::parse(lns.output);
  EXPECT_EQ(jp.at("scheme"), "pre");
  EXPECT_EQ(jl.at("scheme"), "lns");
  ASSERT_EQ(jp.at("layers").size(), 48u);
  ASSERT_EQ(jl.at("layers").size(), 48u);
  for (int i = 0; i < 48; ++i) EXPECT_EQ(jp["layers"][i]["layer"].get<int>(), i + 1);
  EXPECT_GT(last_over_first(jp), last_over_first(jl));
}

TEST(CliFoundation, UnknownSchemeFailsWithTheValidNames) {
  const auto r = run_cli("variance-at-init --layers 4 --scheme bogus");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown norm scheme 'bogus'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lns"), std::string::npos) << r.output;
}

}  // namespace
