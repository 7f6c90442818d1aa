// What train_run checks before it claims a run (nothing is written when a check fails), and
// what it guarantees once it trains: no non-finite weight in any checkpoint, the divergence
// watch restored on resume, resume refused when the data changed, masked micro-batches
// weighed by their counted targets.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "core/model/weights.h"
#include "core/store/run_db.h"
#include "core/train/adam.h"
#include "core/train/checkpoint_save.h"
#include "core/train/divergence.h"
#include "core/train/experiment.h"
#include "core/train/train_spec.h"
#include "core/train/train_step.h"
#include "core/train/trainer.h"
#include "core/train/training_memory.h"
#include "tests/core/train/trainer_test_util.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;
using test::small_corpus;
using test::spec_text;

struct Fixture {
  fs::path dir;
  std::string db;
  CreatedExperiment e;
};

Fixture make(const std::string& name, const std::string& extra = "") {
  Fixture f;
  f.dir = test::scratch_dir(name);
  f.db = (f.dir / "runs.sqlite").string();
  f.e = create_experiment(parse_train_spec_text(spec_text(small_corpus(f.dir), extra)), f.db);
  return f;
}

TrainRunOptions options(const Fixture& f) {
  TrainRunOptions o;
  o.db_path = f.db;
  o.out_dir = (f.dir / "out").string();
  return o;
}

store::RunStatus status(const Fixture& f, std::int64_t run) { return store::RunDb(f.db).get_run(run)->status; }

TEST(RunGuard, AnUnwritableOutFolderIsRefusedBeforeTheRunIsClaimed) {
  const Fixture f = make("guard_out");
  std::ofstream(f.dir / "a-file") << "not a folder";
  for (const std::string out : {(f.dir / "a-file" / "runs").string(), std::string("/proc/depthscope-runs")}) {
    TrainRunOptions o = options(f);
    o.out_dir = out;
    try {
      train_run(f.e.runs[0], o);
      FAIL() << "trained into " << out;
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(out), std::string::npos) << e.what();
    }
    EXPECT_EQ(status(f, f.e.runs[0]), store::RunStatus::queued);
  }
}

TEST(RunGuard, ABatchThatCannotFitIsRefusedWithOneThatFits) {
  const Fixture f = make("guard_memory", R"(, "batch": 1048576)");
  try {
    train_run(f.e.runs[0], options(f));
    FAIL() << "a batch of 2^20 sequences was not refused";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("needs about"), std::string::npos) << m;
    EXPECT_NE(m.find("fits"), std::string::npos) << m;
  }
  EXPECT_EQ(status(f, f.e.runs[0]), store::RunStatus::queued);
  ModelConfig c;
  EXPECT_GT(largest_training_batch(c, 128, std::int64_t{8} << 30), 0);
  EXPECT_LE(training_memory_bytes(c, largest_training_batch(c, 128, std::int64_t{8} << 30), 128), std::int64_t{8} << 30);
}

TEST(RunGuard, StartingFromStepZeroIsRefusedOnceTheRunHasCheckpoints) {
  const Fixture f = make("guard_restart");
  std::atomic<bool> stop{false};
  TrainRunOptions o = options(f);
  o.stop = &stop;
  o.on_step = [&](const TrainRunOptions::StepReport& r) { stop = r.step >= 5; };
  EXPECT_EQ(train_run(f.e.runs[0], o).end, TrainEnd::stopped);
  try {
    train_run(f.e.runs[0], options(f));
    FAIL() << "trained from step 0 over an attempt with checkpoints";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  TrainRunOptions r = options(f);
  r.resume = true;
  EXPECT_EQ(train_run(f.e.runs[0], r).end, TrainEnd::finished);
}

TEST(RunGuard, AnInfiniteGradientUnderAFiniteLossDivergesAndNoCheckpointHoldsANonFiniteWeight) {
  const Fixture f = make("guard_inf_grad", R"(, "checkpoint_every": 2)");
  TrainRunOptions o = options(f);
  o.gradient_scale = [](std::int64_t step) { return step == 5 ? std::numeric_limits<double>::infinity() : 1.0; };
  const TrainRunResult r = train_run(f.e.runs[0], o);
  EXPECT_EQ(r.end, TrainEnd::diverged);
  EXPECT_TRUE(std::isfinite(r.last_loss));
  EXPECT_NE(r.message.find("gradient norm"), std::string::npos) << r.message;
  store::RunDb db(f.db);
  EXPECT_EQ(db.get_run(f.e.runs[0])->status, store::RunStatus::diverged);
  const std::vector<store::CheckpointRecord> cks = db.checkpoints(f.e.runs[0]);
  ASSERT_EQ(cks.size(), 2u);  // steps 2 and 4
  for (const store::CheckpointRecord& c : cks) {
    LoadedCheckpoint ck = load_checkpoint(c.path);
    for (auto& [name, t] : named_tensors(ck.weights, ck.config))
      EXPECT_TRUE(at::isfinite(*t).all().item<bool>()) << c.path << ": " << name;
  }
}

TEST(RunGuard, TheDivergenceWatchResumesWhereItStopped) {
  DivergenceWatch whole(0.5, 3), first(0.5, 3);
  const double losses[] = {2.0, 1.0, 1.8, 1.9, 2.0, 2.1};
  for (int s = 0; s < 4; ++s) {
    EXPECT_EQ(whole.check(s + 1, losses[s]), "");
    EXPECT_EQ(first.check(s + 1, losses[s]), "");
  }
  DivergenceWatch resumed(0.5, 3);
  resumed.restore(first.state());
  EXPECT_NE(whole.check(5, losses[4]), "");  // three steps above min + margin
  EXPECT_NE(resumed.check(5, losses[4]), "");
  DivergenceWatch forgetful(0.5, 3);  // what a resume without the saved state would do
  EXPECT_EQ(forgetful.check(5, losses[4]), "");
}

TEST(RunGuard, TheCheckpointRecordsTheDivergenceWatchAndTheDataHash) {
  const Fixture f = make("guard_state");
  train_run(f.e.runs[0], options(f));
  const store::CheckpointRecord last = *store::RunDb(f.db).last_checkpoint(f.e.runs[0]);
  const TrainerState s = read_trainer_state(last.path);
  EXPECT_EQ(s.step, 12);
  EXPECT_TRUE(s.divergence.seen);
  EXPECT_GT(s.divergence.running_min, 0);
  EXPECT_EQ(s.data_sha256.size(), 64u);
}

TEST(RunGuard, ResumeIsRefusedWhenTheCorpusChangedNamingBothHashes) {
  const Fixture f = make("guard_data");
  std::atomic<bool> stop{false};
  TrainRunOptions o = options(f);
  o.stop = &stop;
  o.on_step = [&](const TrainRunOptions::StepReport& r) { stop = r.step >= 5; };
  train_run(f.e.runs[0], o);
  const std::string before = read_trainer_state(store::RunDb(f.db).last_checkpoint(f.e.runs[0])->path).data_sha256;
  {
    std::fstream tokens(fs::path(f.e.corpus_dir) / "tokens.bin", std::ios::in | std::ios::out | std::ios::binary);
    tokens.seekp(10);
    tokens.put('\x01');
  }
  TrainRunOptions r = options(f);
  r.resume = true;
  try {
    train_run(f.e.runs[0], r);
    FAIL() << "resumed on changed data";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(before), std::string::npos) << m;
    EXPECT_NE(m.find("is now"), std::string::npos) << m;
  }
  EXPECT_EQ(status(f, f.e.runs[0]), store::RunStatus::stopped);
}

// Two masked micro-batches of one row each give the step of one batch of both rows.
TEST(RunGuard, MaskedMicroBatchesWeighByTheirCountedTargets) {
  ModelConfig c;
  c.vocab_size = 32;
  c.hidden_size = 16;
  c.intermediate_size = 32;
  c.num_layers = 2;
  c.num_heads = 2;
  c.num_kv_heads = 2;
  c.max_position = 16;
  const at::Tensor rows = at::randint(0, 32, {2, 9}, at::kLong);  // [2, T+1]
  at::Tensor mask = at::zeros({2, 8});
  mask[0].fill_(1.0);          // row 0: 8 counted targets
  mask[1].slice(0, 6).fill_(1.0);  // row 1: 2 counted targets
  auto run = [&](std::int64_t accumulate) {
    Transformer model = Transformer::random(c, 7);
    const NamedParams params = trainable_parameters(model);
    Adam adam(params, {});
    const StepOutcome out = train_step(
        model, params, adam, 1e-2, 0, accumulate,
        [&](std::int64_t m) { return accumulate == 1 ? rows : rows.slice(0, m, m + 1); }, nullptr,
        [&](std::int64_t m) { return accumulate == 1 ? mask : mask.slice(0, m, m + 1); });
    return std::make_pair(out.loss, params.front().second.detach().clone());
  };
  const auto [loss_one, w_one] = run(1);
  const auto [loss_two, w_two] = run(2);
  EXPECT_NEAR(loss_one, loss_two, 1e-6);
  EXPECT_TRUE(at::allclose(w_one, w_two, 1e-6, 1e-7));
}

}  // namespace
}  // namespace depthscope
