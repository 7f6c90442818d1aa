// depthscope-cli logits against llama2.c's run.c reference logits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

#include "cli/run_cli.h"
#include "test_support.h"

namespace {

using depthscope::test::run_cli;
using depthscope::test::shared_data;

TEST(CliLogits, JsonTopKMatchesRunCReference) {
  DS_REQUIRE_SHARED("llama2c/stories260K.bin");
  std::ifstream tin(shared_data("llama2c/stories260K.ref.tokens.txt"));
  std::vector<long long> ids{std::istream_iterator<long long>(tin), std::istream_iterator<long long>()};
  ids.resize(32);  // the first 32 positions are plenty for the CLI path
  std::string list;
  for (long long id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  const auto r = run_cli("logits " + shared_data("llama2c/stories260K.bin") + " --tokens " + list +
                             " --top-k 3 --json",
                         /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j.at("positions").size(), ids.size());

  std::ifstream lin(shared_data("llama2c/stories260K.ref.logits.f32"), std::ios::binary);
  std::vector<float> ref(256 * 512);
  lin.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * sizeof(float)));
  for (size_t p = 0; p < ids.size(); ++p) {
    const auto& pos = j["positions"][p];
    EXPECT_EQ(pos.at("pos").get<size_t>(), p);
    EXPECT_EQ(pos.at("token").get<long long>(), ids[p]);
    const auto& top = pos.at("top");
    ASSERT_EQ(top.size(), 3u);
    const float* row = &ref[p * 512];
    const int argmax = static_cast<int>(std::max_element(row, row + 512) - row);
    EXPECT_EQ(top[0].at("id").get<int>(), argmax) << "position " << p;
    for (const auto& t : top)  // every listed logit is the reference's within 5e-4
      EXPECT_NEAR(t.at("logit").get<double>(), row[t.at("id").get<int>()], 5e-4);
    EXPECT_GE(top[0].at("logit").get<double>(), top[1].at("logit").get<double>());
  }
}

TEST(CliLogits, BadTokenListAndMissingFileAreNamed) {
  const auto bad = run_cli("logits /nonexistent/model.bin --tokens 1,x,3");
  EXPECT_NE(bad.exit_code, 0);
  const auto missing = run_cli("logits /nonexistent/model.bin --tokens 1,2");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("/nonexistent/model.bin"), std::string::npos) << missing.output;
}

}  // namespace
