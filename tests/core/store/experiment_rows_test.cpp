// Creating an experiment is one transaction (issue 20, item 8): its runs exist all together
// or not at all, so a kill -9 or a failed insert never leaves a Pre-LN run without its LNS
// sibling.
#include <gtest/gtest.h>

#include "core/store/connection.h"
#include "core/store/run_db.h"
#include "core/store/store_limits.h"
#include "tests/core/store/store_test_util.h"

namespace depthscope::store {
namespace {

using test::fresh_db_path;
using test::RawDb;

NewRun run_named(const std::string& name, std::string spec = "{}") {
  return {std::nullopt, name, name, RunKind::train, std::move(spec), 10};
}

TEST(ExperimentRows, CreatesTheExperimentAndItsRunsTogether) {
  RunDb db(fresh_db_path());
  const RunDb::CreatedRows rows = db.create_experiment_with_runs("depth", "{}", {run_named("pre"), run_named("lns")});
  ASSERT_EQ(rows.runs.size(), 2u);
  EXPECT_LT(rows.runs[0], rows.runs[1]);
  for (std::int64_t id : rows.runs) EXPECT_EQ(db.get_run(id)->experiment_id, rows.experiment);
  EXPECT_EQ(db.get_run(rows.runs[1])->name, "lns");
}

TEST(ExperimentRows, ARefusedSecondRunRollsBackTheExperimentAndTheFirstRun) {
  const std::string path = fresh_db_path();
  RunDb db(path);
  EXPECT_THROW(db.create_experiment_with_runs(
                   "depth", "{}", {run_named("pre"), run_named("lns", std::string(kMaxSpecJsonBytes + 1, ' '))}),
               DatabaseError);
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM experiments"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM runs"), 0);
}

TEST(ExperimentRows, ADiskFullOnTheSecondRunRollsBackEverything) {
  // SQLite itself fails the second insert: the file may not grow (max_page_count at its
  // size), the first rows fit in pages it has, the second run's 200 KB spec does not.
  const std::string path = fresh_db_path();
  { RunDb make(path); }
  StoreOptions capped;
  capped.max_pages = RawDb(path).integer("PRAGMA page_count");
  RunDb db(path, capped);
  try {
    db.create_experiment_with_runs("depth", "{}", {run_named("pre"), run_named("lns", std::string(200000, ' '))});
    FAIL() << "the capped file took a 200 KB row";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM experiments"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM runs"), 0);
  // Without the cap the same call succeeds: what failed above was the second insert.
  RunDb open(path);
  EXPECT_EQ(open.create_experiment_with_runs("depth", "{}", {run_named("pre"), run_named("lns", std::string(200000, ' '))})
                .runs.size(),
            2u);
}

}  // namespace
}  // namespace depthscope::store
