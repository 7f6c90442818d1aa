// A spec's numbers (issue 20, item 3): `seed` takes the whole unsigned 64-bit range and keeps
// it through the stored spec_json; every JSON error names the file and the field (a number
// out of double's range, 1e400, is nlohmann's out_of_range 406, not a parse_error), or the
// line and column of a syntax error.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/json_text.h"
#include "core/train/run_paths.h"
#include "core/train/train_spec.h"

namespace depthscope {
namespace {

std::string spec_with(const std::string& extra) {
  return R"({"name": "t", "model": {"preset": "tiny"}, "corpus": {"dir": "/data/corpus"})" + extra + "}";
}

// The FileError of parsing `text` as spec.json.
FileError spec_error(const std::string& text) {
  try {
    parse_train_spec_text(text, "spec.json");
  } catch (const FileError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed: " << text;
  return FileError("", "", "");
}

TEST(SpecNumbers, SeedTakesTheFullUnsigned64BitRangeAndKeepsItThroughTheStoredSpec) {
  for (const std::uint64_t seed : {std::uint64_t{0}, (std::uint64_t{1} << 63) + 12345, UINT64_MAX}) {
    const TrainSpec s = parse_train_spec_text(spec_with(R"(, "seed": )" + std::to_string(seed)));
    EXPECT_EQ(s.seed, seed);
    // What create_experiment stores (spec.json re-dumped) and what resume parses back.
    const std::string stored = nlohmann::json::parse(s.json).dump();
    EXPECT_NE(stored.find("\"seed\":" + std::to_string(seed)), std::string::npos) << stored;
    EXPECT_EQ(parse_train_spec_text(stored, "runs.db: run 1").seed, seed);
    // The checkpoint's trainer_state.json writes spec.seed through nlohmann as well.
    EXPECT_EQ(nlohmann::json::parse(nlohmann::json({{"seed", s.seed}}).dump()).at("seed").get<std::uint64_t>(), seed);
  }
}

TEST(SpecNumbers, SeedOutsideTheRangeNamesTheFieldAndTheValue) {
  for (const char* bad : {"-1", "18446744073709551616", "1.5", "\"7\""}) {
    const FileError e = spec_error(spec_with(std::string(R"(, "seed": )") + bad));
    EXPECT_EQ(e.file(), "spec.json");
    EXPECT_EQ(e.field(), "seed") << e.what();
    EXPECT_NE(e.problem().find("18446744073709551615"), std::string::npos) << e.what();
  }
}

TEST(SpecNumbers, IntegerAboveInt64IsOutOfRangeNotWrappedNegative) {
  const FileError e = spec_error(spec_with(R"(, "steps": 9223372036854775808)"));
  EXPECT_EQ(e.field(), "steps");
  EXPECT_NE(e.problem().find("at most 100000000 (got 9223372036854775808)"), std::string::npos) << e.what();
}

TEST(SpecNumbers, NumberBeyondDoubleNamesTheFileTheFieldAndWhere) {
  const FileError top = spec_error(spec_with(",\n  \"lr\": 1e400"));
  EXPECT_EQ(top.file(), "spec.json");
  EXPECT_EQ(top.field(), "lr");
  EXPECT_NE(top.problem().find("line 2"), std::string::npos) << top.what();
  EXPECT_NE(top.problem().find("1e400"), std::string::npos) << top.what();

  const FileError nested = spec_error(R"({"name": "t", "model": {"preset": "tiny", "rope_theta": -1e999}, "corpus": {"dir": "c"}})");
  EXPECT_EQ(nested.field(), "model.rope_theta");

  const FileError element = spec_error(R"({"corpus": {"text": ["a.txt", 2e308]}})");
  EXPECT_EQ(element.field(), "corpus.text[1]");
}

TEST(SpecNumbers, SyntaxErrorGivesLineAndColumn) {
  const FileError e = spec_error("{\n  \"name\": \"t\",\n  \"steps\": 10,,\n}");
  EXPECT_EQ(e.file(), "spec.json");
  EXPECT_NE(e.problem().find("line 3"), std::string::npos) << e.what();
  EXPECT_NE(e.problem().find("column"), std::string::npos) << e.what();
  EXPECT_EQ(e.problem().find("[json.exception"), std::string::npos) << e.what();
}

TEST(SpecNumbers, OverridesAreCheckedLikeTheFile) {
  // read_train_spec's overrides replace fields before validation: a seed given on the
  // command line is the same unsigned number.
  const nlohmann::json j = nlohmann::json::parse(spec_with(""));
  nlohmann::json with = j;
  with["seed"] = UINT64_MAX;
  EXPECT_EQ(parse_train_spec(with, "spec.json", ".").seed, UINT64_MAX);
}

TEST(RunPaths, ListsWhatAStoredSpecReadsAndWhereItsCheckpointsGo) {
  const std::string spec =
      R"({"corpus": {"text": ["/home/t/a.jsonl", "/home/t/b.jsonl"], "tokenizer": "/home/t/tok.json"},
          "init": "/models/base", "data_format": "jsonl"})";
  const std::vector<RunPath> p = run_paths(spec, std::string("/runs/run-3/step-40"), "runs.db: run 3");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].role, "corpus.text");
  EXPECT_EQ(p[1].path, "/home/t/b.jsonl");
  EXPECT_EQ(p[2].role, "corpus.tokenizer");
  EXPECT_EQ(p[3].role, "init");
  EXPECT_EQ(p[3].path, "/models/base");
  EXPECT_EQ(p[4].role, "checkpoint");
  EXPECT_FALSE(p[4].writes);
  EXPECT_EQ(p[5].role, "run_folder");
  EXPECT_EQ(p[5].path, "/runs/run-3");
  EXPECT_TRUE(p[5].writes);

  const std::vector<RunPath> dir = run_paths(R"({"corpus": {"dir": "/c", "tokenizer": "bpe:512"}})", std::nullopt, "x");
  ASSERT_EQ(dir.size(), 1u);  // bpe:512 names no file
  EXPECT_EQ(dir[0].role, "corpus.dir");

  try {
    run_paths(R"({"init": 5})", std::nullopt, "runs.db: run 9");
    FAIL() << "a number taken for a path";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "init");
    EXPECT_EQ(e.file(), "runs.db: run 9");
  }
}

}  // namespace
}  // namespace depthscope
