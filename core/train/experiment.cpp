#include "core/train/experiment.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/error.h"
#include "core/store/run_db.h"
#include "core/train/corpus_cache.h"
#include "core/train/training_data.h"
#include "core/train/train_spec.h"
#include "core/train/trainer.h"

namespace depthscope {

namespace fs = std::filesystem;

std::string default_run_dir(const std::string& db_path) {
  const fs::path p = fs::absolute(db_path);
  return (p.parent_path() / (p.stem().string() + "-runs")).string();
}

CreatedExperiment create_experiment(const TrainSpec& spec, const std::string& db_path, const RunControl& control) {
  CreatedExperiment out;
  if (spec.data_format == "jsonl") {
    out.corpus_dir = "";  // JSONL files are read by the run itself
  } else if (spec.corpus_from_text) {
    const fs::path cache = fs::absolute(db_path).parent_path() / "corpora";
    const CachedCorpus c = build_or_open_corpus(spec.corpus_text, cache.string(), control);
    out.corpus_dir = c.dir;
    out.corpus_built = c.built;
  } else {
    out.corpus_dir = fs::absolute(spec.corpus_dir).string();
  }
  TrainSpec resolved = spec;
  resolved.corpus_dir = out.corpus_dir;
  const std::unique_ptr<TrainingData> data = open_training_data(resolved);
  // One window of each kind must fit, checked now rather than at the first step.
  data->train_batch(spec.seed, 1, 0, 1, spec.seq);
  if (spec.data_format != "jsonl") data->validation_batches(spec.seq, spec.seq, 1);
  for (NormScheme s : spec.schemes) initial_config(spec, s, data->vocab_size());

  // The stored spec names the corpus folder and the checkpoint by absolute path, so a run
  // can be trained or resumed from anywhere with the database alone.
  nlohmann::json stored = nlohmann::json::parse(spec.json);
  if (spec.data_format == "jsonl") {
    nlohmann::json files = nlohmann::json::array();
    for (const std::string& f : spec.corpus_text.text_files) files.push_back(fs::absolute(f).string());
    stored["corpus"]["text"] = files;
    if (!spec.jsonl_tokenizer.empty() && spec.jsonl_tokenizer != "bytes")
      stored["corpus"]["tokenizer"] = fs::absolute(spec.jsonl_tokenizer).string();
  } else {
    stored["corpus"] = {{"dir", out.corpus_dir}};
  }
  if (!spec.init.empty()) stored["init"] = fs::absolute(spec.init).string();

  // The experiment and its runs are one transaction: a kill -9 never leaves a Pre-LN run
  // without its LNS sibling.
  // Seeds outside, schemes inside: within a seed the schemes share initial weights (where they
  // share parameters) and data order; each run's stored spec names its one seed.
  std::vector<store::NewRun> runs;
  for (std::uint64_t seed : spec.seeds)
  for (NormScheme s : spec.schemes) {
    nlohmann::json run_spec = stored;
    run_spec["schemes"] = {to_string(s)};
    run_spec.erase("seeds");
    run_spec["seed"] = seed;
    store::NewRun r;
    r.name = spec.name + "/" + spec.run_scheme(s) + (spec.seeds.size() > 1 ? "/seed-" + std::to_string(seed) : "");
    r.scheme = spec.run_scheme(s);
    r.kind = spec.init.empty() ? store::RunKind::train : store::RunKind::finetune;
    r.spec_json = run_spec.dump();
    r.steps = spec.steps;
    runs.push_back(std::move(r));
  }
  store::RunDb db(db_path);
  const store::RunDb::CreatedRows rows = db.create_experiment_with_runs(spec.name, stored.dump(), std::move(runs));
  out.experiment = rows.experiment;
  out.runs = rows.runs;
  return out;
}

}  // namespace depthscope
