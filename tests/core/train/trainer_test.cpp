// The training engine: exact resume, metrics in the run database, the schedule, presets and
// specs that are refused before anything is written.
#include "core/train/trainer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/train/corpus_builder.h"
#include "core/train/experiment.h"
#include "core/train/lr_schedule.h"
#include "core/train/presets.h"
#include "core/train/train_spec.h"
#include "core/train/instruction_set.h"
#include "core/tokenize/tokenizer.h"
#include "tests/core/train/trainer_test_util.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;
using test::small_corpus;
using test::spec_text;

std::map<std::int64_t, double> losses(store::RunDb& db, std::int64_t run) {
  std::map<std::int64_t, double> m;
  for (const store::MetricRow& r : store::run_metrics(db, run))
    if (r.key == "train/loss") m[r.step] = r.value;
  return m;
}

TEST(Trainer, InterruptedAndResumedRunEqualsTheUninterruptedOne) {
  const fs::path dir = test::scratch_dir("trainer_resume");
  const std::string corpus = small_corpus(dir);
  const TrainSpec spec = parse_train_spec_text(spec_text(corpus));

  // Uninterrupted.
  const std::string db_a = (dir / "a.sqlite").string();
  const CreatedExperiment a = create_experiment(spec, db_a);
  ASSERT_EQ(a.runs.size(), 2u);
  TrainRunOptions oa;
  oa.db_path = db_a;
  oa.out_dir = (dir / "a-runs").string();
  const TrainRunResult ra = train_run(a.runs[0], oa);
  EXPECT_EQ(ra.end, TrainEnd::finished);
  EXPECT_EQ(ra.step, 12);

  // Stopped after step 5 (as SIGTERM does), then resumed from that checkpoint.
  const std::string db_b = (dir / "b.sqlite").string();
  const CreatedExperiment b = create_experiment(spec, db_b);
  std::atomic<bool> stop{false};
  TrainRunOptions ob;
  ob.db_path = db_b;
  ob.out_dir = (dir / "b-runs").string();
  ob.stop = &stop;
  ob.on_step = [&](const TrainRunOptions::StepReport& r) {
    if (r.step == 5) stop = true;
  };
  const TrainRunResult stopped = train_run(b.runs[0], ob);
  EXPECT_EQ(stopped.end, TrainEnd::stopped);
  EXPECT_EQ(stopped.step, 5);
  {
    store::RunDb db(db_b);
    EXPECT_EQ(db.get_run(b.runs[0])->status, store::RunStatus::stopped);
    ASSERT_TRUE(db.last_checkpoint(b.runs[0]));
    EXPECT_EQ(db.last_checkpoint(b.runs[0])->step, 5);
  }
  stop = false;
  ob.on_step = nullptr;
  ob.resume = true;
  const TrainRunResult resumed = train_run(b.runs[0], ob);
  EXPECT_EQ(resumed.end, TrainEnd::finished);

  store::RunDb dba(db_a), dbb(db_b);
  const auto la = losses(dba, a.runs[0]), lb = losses(dbb, b.runs[0]);
  ASSERT_EQ(la.size(), 12u);
  ASSERT_EQ(lb.size(), 12u);
  for (const auto& [step, loss] : la) EXPECT_EQ(lb.at(step), loss) << "step " << step;  // exactly
  EXPECT_EQ(dbb.get_run(b.runs[0])->status, store::RunStatus::finished);
}

TEST(Trainer, SiblingRunsShareInitialWeightsAndWriteEveryMetric) {
  const fs::path dir = test::scratch_dir("trainer_metrics");
  const std::string corpus = small_corpus(dir);
  const TrainSpec spec = parse_train_spec_text(spec_text(corpus));
  const std::string db_path = (dir / "runs.sqlite").string();
  const CreatedExperiment e = create_experiment(spec, db_path);
  TrainRunOptions o;
  o.db_path = db_path;
  o.out_dir = (dir / "runs").string();
  for (std::int64_t r : e.runs) EXPECT_EQ(train_run(r, o).end, TrainEnd::finished);

  store::RunDb db(db_path);
  // Pre-LN and LNS see the same first batch from the same weights; layer 1's LNS factor is 1
  // and layer 2's is 1/sqrt(2), so their first losses differ only through layer 2.
  const auto pre = losses(db, e.runs[0]), lns = losses(db, e.runs[1]);
  EXPECT_NE(pre.at(1), lns.at(1));
  EXPECT_NEAR(pre.at(1), lns.at(1), 0.05);
  std::map<std::string, int> keys;
  for (const store::MetricRow& r : store::run_metrics(db, e.runs[1])) ++keys[r.key];
  for (const char* k : {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s", "train/tokens"})
    EXPECT_EQ(keys[k], 12) << k;
  EXPECT_EQ(keys["val/loss"], 3);  // steps 4, 8, 12
  EXPECT_EQ(keys["val/ppl"], 3);
  std::map<std::string, int> layer_keys;
  for (const store::LayerMetricRow& r : store::run_layer_metrics(db, e.runs[1])) {
    ++layer_keys[r.key];
    EXPECT_TRUE(r.layer == 1 || r.layer == 2);
  }
  // Steps 1, 3, 6, 9, 12, two layers each.
  for (const char* k : {"residual_variance", "angular_distance_next", "update_ratio", "grad_norm"})
    EXPECT_EQ(layer_keys[k], 10) << k;
  // Every checkpoint opens as a model.
  const auto ck = db.last_checkpoint(e.runs[1]);
  ASSERT_TRUE(ck);
  EXPECT_EQ(load_checkpoint(ck->path).config.norm_scheme, NormScheme::lns);
}

TEST(Trainer, ScheduleWarmsUpThenDecaysToTheMinimum) {
  const LrSchedule s{1e-3, 10, 100, 0.1};
  EXPECT_DOUBLE_EQ(learning_rate(s, 1), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 1e-3);
  EXPECT_NEAR(learning_rate(s, 55), 0.55e-3, 1e-12);  // half way: (peak + min) / 2
  EXPECT_DOUBLE_EQ(learning_rate(s, 100), 1e-4);
}

TEST(Trainer, PresetsHaveThePapersShapes) {
  const ModelConfig c = preset_config("llama-130m");
  EXPECT_EQ(c.num_layers, 12);
  EXPECT_EQ(c.hidden_size, 768);
  EXPECT_EQ(c.intermediate_size, 2048);
  EXPECT_EQ(c.num_heads, 12);
  EXPECT_GT(c.parameter_count(), 120'000'000);
  EXPECT_LT(c.parameter_count(), 140'000'000);
  EXPECT_EQ(preset_config("deep-narrow").num_layers, 24);
  EXPECT_EQ(preset_config("llama-7b").hidden_size, 4096);
  try {
    preset_config("llama-13b");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("deep-narrow"), std::string::npos) << e.what();
  }
}

// Each bad spec names the field, and nothing is written to the database.
TEST(Trainer, BadSpecsAreRefusedBeforeTheDatabaseIsTouched) {
  const fs::path dir = test::scratch_dir("trainer_bad");
  const std::string corpus = small_corpus(dir);
  const auto field_of = [&](const std::string& text) -> std::string {
    try {
      parse_train_spec_text(text, "spec.json");
    } catch (const FileError& e) {
      return e.field();
    }
    return "";
  };
  EXPECT_EQ(field_of(spec_text(corpus, R"(, "learning_rate": 0.1)")), "learning_rate");
  EXPECT_EQ(field_of(R"({"model": {"preset": "huge"}, "corpus": {"dir": "x"}})"), "model.preset");
  EXPECT_EQ(field_of(spec_text(corpus, R"(, "schemes": ["pre", "postln"])")), "schemes");
  EXPECT_EQ(field_of(spec_text(corpus, R"(, "steps": 0)")), "steps");

  const std::string db_path = (dir / "runs.sqlite").string();
  // A missing corpus folder, and a window longer than the corpus.
  EXPECT_THROW(create_experiment(parse_train_spec_text(spec_text((dir / "nope").string())), db_path), FileError);
  EXPECT_THROW(create_experiment(parse_train_spec_text(spec_text(corpus, R"(, "seq": 100000)")), db_path),
               std::exception);
  // A fine-tuning checkpoint whose vocabulary is not the corpus's (bytes: 256).
  ModelConfig c = preset_config("tiny");
  c.vocab_size = 300;
  c.max_position = 64;
  save_hf((dir / "ck").string(), c, Transformer::random(c, 1).weights());
  try {
    create_experiment(parse_train_spec_text(R"({"init": ")" + (dir / "ck").string() + R"(", "corpus": {"dir": ")" +
                                            corpus + R"("}, "steps": 2, "seq": 16})"),
                      db_path);
    FAIL() << "expected a vocabulary error";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "vocab_size") << e.what();
  }
  EXPECT_FALSE(fs::exists(db_path)) << "a refused spec created the database";
}

}  // namespace
}  // namespace depthscope

namespace depthscope {
namespace {

TEST(InstructionData, OnlyResponseTokensCountAndBatchesAreStateless) {
  const fs::path dir = test::scratch_dir("instruction_set");
  std::ofstream(dir / "d.jsonl") << R"({"prompt": "Q: 2+2?", "response": " 4"})" << "\n\n"
                                 << R"({"prompt": "Q: colour of sky?", "response": " blue"})" << "\n"
                                 << R"({"prompt": "Say hi", "response": " hi there"})" << "\n";
  InstructionSet set({(dir / "d.jsonl").string()}, make_byte_tokenizer(), "", 0.0, 0);
  EXPECT_EQ(set.train().size() + set.validation().size(), 3u);
  const TrainingBatch b = set.train_batch(5, 1, 0, 4, 24);
  ASSERT_EQ(b.tokens.sizes(), (std::vector<std::int64_t>{4, 25}));
  ASSERT_EQ(b.mask.sizes(), (std::vector<std::int64_t>{4, 24}));
  for (std::int64_t r = 0; r < 4; ++r) {
    // Row r's counted targets decode to exactly one of the responses.
    std::vector<std::int64_t> counted;
    for (std::int64_t p = 0; p < 24; ++p)
      if (b.mask[r][p].item<float>() > 0) counted.push_back(b.tokens[r][p + 1].item<std::int64_t>());
    const std::string text = make_byte_tokenizer()->decode(counted);
    EXPECT_TRUE(text == " 4" || text == " blue" || text == " hi there") << "row " << r << ": '" << text << "'";
  }
  EXPECT_TRUE(at::equal(b.tokens, set.train_batch(5, 1, 0, 4, 24).tokens));  // stateless
  // A line that is not an example is named.
  std::ofstream(dir / "bad.jsonl") << R"({"prompt": "x", "response": "y"})" << "\n" << R"({"question": "x"})" << "\n";
  try {
    InstructionSet({(dir / "bad.jsonl").string()}, make_byte_tokenizer(), "", 0.0, 0);
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "line 2") << e.what();
  }
}

// Fine-tuning a Pre-LN checkpoint with LNS switched on, on JSONL prompt/response data.
TEST(Trainer, FineTunesACheckpointWithANewSchemeOnJsonl) {
  const fs::path dir = test::scratch_dir("trainer_finetune");
  ModelConfig c;
  c.vocab_size = 256;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_layers = 3;
  c.num_heads = 2;
  c.num_kv_heads = 2;
  c.max_position = 64;
  save_hf((dir / "base").string(), c, Transformer::random(c, 2).weights());
  {
    std::ofstream out(dir / "d.jsonl");
    for (int i = 0; i < 40; ++i)
      out << R"({"prompt": "What is )" << i << R"( plus one?", "response": " )" << i + 1 << R"(."})" << "\n";
  }
  const TrainSpec spec = parse_train_spec_text(
      R"({"name": "ft", "init": ")" + (dir / "base").string() + R"(", "schemes": ["lns"], "data_format": "jsonl",
          "corpus": {"text": [")" + (dir / "d.jsonl").string() + R"("], "tokenizer": "bytes", "validation_fraction": 0.2},
          "steps": 6, "batch": 4, "seq": 32, "eval_every": 3, "eval_tokens": 64})");
  const std::string db_path = (dir / "runs.sqlite").string();
  const CreatedExperiment e = create_experiment(spec, db_path);
  TrainRunOptions o;
  o.db_path = db_path;
  o.out_dir = (dir / "runs").string();
  const TrainRunResult r = train_run(e.runs[0], o);
  EXPECT_EQ(r.end, TrainEnd::finished);
  EXPECT_TRUE(std::isfinite(r.last_loss));
  EXPECT_TRUE(std::isfinite(r.last_val_loss));
  store::RunDb db(db_path);
  EXPECT_EQ(db.get_run(e.runs[0])->kind, store::RunKind::finetune);
  const LoadedCheckpoint out = load_checkpoint(db.last_checkpoint(e.runs[0])->path);
  EXPECT_EQ(out.config.norm_scheme, NormScheme::lns);
  EXPECT_EQ(out.config.num_layers, 3);
}

}  // namespace
}  // namespace depthscope
