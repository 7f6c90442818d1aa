// A seed above 2^63 (issue 20, item 3) survives every place a run keeps it: the stored
// spec_json (which resume parses back) and the checkpoint's trainer_state.json; a spec with
// a number out of double's range is refused naming the file and the field.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>

#include "cli/jobs_test_support.h"
#include "core/store/run_db.h"
#include "core/train/train_spec.h"

namespace {

using namespace depthscope;
using namespace depthscope::test;

TEST(SpecSeedCli, SeedAboveTwoToThe63RoundTripsThroughTheDatabaseAndTheCheckpoint) {
  const fs::path dir = scratch_dir("spec_seed_roundtrip");
  write_text(dir / "text.txt");
  const std::uint64_t seed = UINT64_MAX - 6;  // 18446744073709551609
  const fs::path spec = dir / "seed.json";
  std::ofstream(spec) << R"({"name":"seed","model":{"layers":1,"hidden":16,"heads":2,"ffn":32},"schemes":["pre"],)"
                      << R"("corpus":{"text":["text.txt"],"tokenizer":"bytes"},"steps":2,"batch":2,"seq":8,)"
                      << R"("eval_every":2,"eval_tokens":64,"checkpoint_every":2,"seed":)" << seed << "}";
  const std::string db = (dir / "runs.db").string();
  const CliResult r = run_cli("--threads 1 train --spec " + spec.string() + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  store::RunDb d(db);
  const store::RunRecord run = d.get_run(1).value();
  EXPECT_EQ(nlohmann::json::parse(run.spec_json).at("seed").get<std::uint64_t>(), seed) << run.spec_json;
  EXPECT_EQ(parse_train_spec_text(run.spec_json, db + ": run 1", ".").seed, seed);  // what resume parses
  const auto ck = d.last_checkpoint(1);
  ASSERT_TRUE(ck.has_value());
  std::ifstream state(fs::path(ck->path) / "trainer_state.json");
  const nlohmann::json j = nlohmann::json::parse(state);
  EXPECT_EQ(j.at("seed").get<std::uint64_t>(), seed) << j;
}

TEST(SpecSeedCli, NumberBeyondDoubleIsRefusedNamingFileAndField) {
  const fs::path dir = scratch_dir("spec_seed_overflow");
  const fs::path spec = dir / "bad.json";
  std::ofstream(spec) << "{\"name\": \"x\",\n \"model\": {\"preset\": \"tiny\"},\n \"lr\": 1e400}";
  const CliResult r = run_cli("train --spec " + spec.string() + " --db " + (dir / "runs.db").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(spec.string() + ": lr: is out of range (line 3"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "runs.db"));
}

}  // namespace
