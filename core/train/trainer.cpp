#include "core/train/trainer.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/analysis/formulas.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "core/store/metric_writer.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/train/adam.h"
#include "core/train/divergence.h"
#include "core/train/heartbeat.h"
#include "core/train/lr_schedule.h"
#include "core/train/training_data.h"
#include "core/train/train_step.h"
#include "core/train/train_spec.h"
#include "core/train/training_probe.h"

namespace depthscope {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string host_name() {
  char buf[256] = {0};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown");
}

// Paper init, or the init checkpoint's tensors copied into a freshly initialised model of
// the run's scheme (so tensors a new scheme adds, e.g. LayerScale's lambda, keep their init).
ModelWeights initial_weights(const TrainSpec& spec, const ModelConfig& config) {
  Transformer fresh = Transformer::random(config, spec.seed);
  ModelWeights w = clone_weights(fresh.weights(), config);
  if (spec.init.empty()) return w;
  LoadedCheckpoint ck = load_checkpoint(spec.init);
  std::map<std::string, at::Tensor*> source;
  for (auto& [name, t] : named_tensors(ck.weights, ck.config)) source[name] = t;
  for (auto& [name, t] : named_tensors(w, config)) {
    auto it = source.find(name);
    if (it != source.end()) t->copy_(*it->second);
  }
  return w;
}

// Sum of squared gradients of layer l's tensors ("model.layers.<l-1>."), l = 1..L.
std::vector<double> layer_grad_norms(const std::vector<std::pair<std::string, at::Tensor>>& params, std::int64_t L) {
  std::vector<double> sq(static_cast<std::size_t>(L), 0.0);
  const std::string prefix = "model.layers.";
  for (const auto& [name, p] : params) {
    if (name.rfind(prefix, 0) != 0 || !p.grad().defined()) continue;
    const std::size_t l = std::stoul(name.substr(prefix.size()));
    if (l < sq.size()) sq[l] += p.grad().to(at::kDouble).pow(2).sum().item<double>();
  }
  for (double& v : sq) v = std::sqrt(v);
  return sq;
}

// Mean next-token NLL over the validation windows (the counted targets only).
double validation_loss(const Transformer& model, const TrainingData& data, const TrainSpec& spec) {
  at::NoGradGuard no_grad;
  double sum = 0, count = 0;
  for (const TrainingBatch& b : data.validation_batches(spec.seq, spec.eval_tokens, spec.batch)) {
    const at::Tensor& w = b.tokens;  // [n, T+1]
    const std::int64_t T = w.size(1) - 1;
    const at::Tensor logits = model.forward(w.slice(1, 0, T));  // [n, T, V]
    at::Tensor nll = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), w.slice(1, 1, T + 1).reshape({-1}),
                                            {}, at::Reduction::None);  // [n*T]
    if (b.mask.defined()) {
      const at::Tensor m = b.mask.reshape({-1});
      sum += (nll * m).sum().item<double>();
      count += m.sum().item<double>();
    } else {
      sum += nll.sum().item<double>();
      count += static_cast<double>(nll.numel());
    }
  }
  return count > 0 ? sum / count : std::nan("");
}

std::string checkpoint_dir(const std::string& out_dir, std::int64_t run, std::int64_t step) {
  return (fs::path(out_dir) / ("run-" + std::to_string(run)) / ("step-" + std::to_string(step))).string();
}

// Writes the checkpoint into a sibling ".partial" folder and renames it into place, so a
// crash mid-write never leaves a folder that looks complete; then lists it in the database.
void save_checkpoint(store::RunDb& db, std::int64_t run, std::int64_t step, const std::string& out_dir,
                     const ModelConfig& config, const ModelWeights& weights, const Adam& adam,
                     const TrainingData& corpus, const TrainSpec& spec) {
  const std::string dir = checkpoint_dir(out_dir, run, step);
  const std::string tmp = dir + ".partial";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  save_hf(tmp, config, weights);
  save_safetensors((fs::path(tmp) / "optimizer.safetensors").string(), adam.state(),
                   {{"adam_step", std::to_string(adam.steps())}});
  const nlohmann::json state = {{"step", step}, {"run", run}, {"scheme", to_string(config.norm_scheme)},
                                {"seed", spec.seed}, {"data", corpus.source()}};
  std::ofstream(fs::path(tmp) / "trainer_state.json") << state.dump(2) << "\n";
  const std::string tok = corpus.tokenizer_path();
  if (!tok.empty()) fs::copy_file(tok, fs::path(tmp) / fs::path(tok).filename(), fs::copy_options::overwrite_existing, ec);
  fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  if (ec) throw FileError(dir, "", "cannot move the finished checkpoint into place: " + ec.message());
  db.add_checkpoint(run, step, dir);
}

}  // namespace

ModelConfig initial_config(const TrainSpec& spec, NormScheme scheme, std::int64_t corpus_vocab) {
  if (spec.init.empty()) return spec.run_config(scheme, corpus_vocab);
  LoadedCheckpoint ck = load_checkpoint(spec.init);
  if (ck.config.vocab_size != corpus_vocab)
    throw FileError(spec.init, "vocab_size",
                    "the checkpoint's vocabulary has " + std::to_string(ck.config.vocab_size) +
                        " tokens but the corpus tokenizer has " + std::to_string(corpus_vocab) +
                        "; build the corpus with the checkpoint's tokenizer (\"tokenizer\": its path)");
  ModelConfig c = ck.config;
  c.norm_scheme = scheme;
  c.max_position = std::max(c.max_position, spec.seq);
  c.validate();
  return c;
}

TrainRunResult train_run(std::int64_t run, const TrainRunOptions& o) {
  store::RunDb db(o.db_path);
  const std::optional<store::RunRecord> record = db.get_run(run);
  if (!record) throw UsageError("run " + std::to_string(run) + " is not in " + o.db_path);
  // One process per run: a run that is running elsewhere, or already finished, is refused
  // before anything changes (opening the database has reaped runs whose process is gone).
  if (record->status == store::RunStatus::running && record->pid && *record->pid != store::this_pid() &&
      record->host == store::this_host() && store::process_alive(*record->pid))
    throw UsageError("run " + std::to_string(run) + " of " + o.db_path + " is already running (pid " +
                     std::to_string(*record->pid) + "); stop it first (jobs stop " + std::to_string(run) + ")");
  if (record->status == store::RunStatus::finished)
    throw UsageError("run " + std::to_string(run) + " of " + o.db_path + " has finished; nothing to train");
  try {
    const TrainSpec spec = parse_train_spec_text(record->spec_json, o.db_path + ": run " + std::to_string(run), ".");
    const NormScheme scheme = parse_norm_scheme(record->scheme);
    const std::unique_ptr<TrainingData> data = open_training_data(spec);
    const TrainingData& corpus = *data;

    std::int64_t start = 0;  // optimiser steps already done
    ModelConfig config;
    ModelWeights weights;
    NamedTensors optimizer_state;
    std::int64_t adam_steps = 0;
    std::string resumed_from;
    if (o.resume) {
      const std::optional<store::CheckpointRecord> last = db.last_checkpoint(run);
      if (!last) throw UsageError("run " + std::to_string(run) + " has no checkpoint to resume from");
      LoadedCheckpoint ck = load_checkpoint(last->path);
      config = ck.config;
      weights = clone_weights(ck.weights, config);
      const std::string opt_path = (fs::path(last->path) / "optimizer.safetensors").string();
      optimizer_state = load_safetensors(opt_path);
      adam_steps = last->step;
      start = last->step;
      resumed_from = last->path;
    } else {
      config = initial_config(spec, scheme, corpus.vocab_size());
      weights = initial_weights(spec, config);
    }
    Transformer model(config, weights);
    const NamedParams params = trainable_parameters(model);
    AdamOptions ao;
    ao.weight_decay = spec.optimizer == "adamw" ? spec.weight_decay : 0.0;
    Adam adam(params, ao);
    if (o.resume) adam.load_state(optimizer_state, adam_steps, resumed_from);

    db.mark_running(run, static_cast<std::int64_t>(getpid()), host_name());
    if (!o.resume && record->status != store::RunStatus::queued) {
      // Restarted from its beginning (e.g. killed before its first checkpoint): the rows of
      // the earlier attempt go, so a reader never mixes two attempts.
      db.supersede_after(run, 0);
    }
    if (o.resume) {
      db.supersede_after(run, start);
      db.add_event(run, store::EventLevel::info, "resumed at step " + std::to_string(start) + " from " + resumed_from);
    }
    store::MetricWriter metrics(o.db_path);
    Heartbeat heartbeat(o.db_path, run);
    heartbeat.set_step(start);
    DivergenceWatch divergence(spec.divergence_margin, spec.divergence_patience);
    const LrSchedule schedule{spec.lr, spec.resolved_warmup(), spec.steps, spec.min_lr_ratio};
    const std::int64_t L = config.num_layers;
    const double tokens_per_step = static_cast<double>(spec.batch * spec.seq * spec.accumulate);
    TrainRunResult result;
    result.step = start;
    const auto run_start = Clock::now();

    for (std::int64_t step = start + 1; step <= spec.steps; ++step) {
      const auto t0 = Clock::now();
      const double lr = learning_rate(schedule, step);
      const bool layer_step = step == 1 || step % spec.resolved_layer_metrics_every() == 0 || step == spec.steps;
      TrainingProbe probe(L);
      std::vector<double> layer_grads;
      // The step's micro-batches, drawn once each (tokens and, for JSONL, the loss mask).
      std::map<std::int64_t, TrainingBatch> drawn;
      const auto batches = [&](std::int64_t micro) -> const TrainingBatch& {
        auto it = drawn.find(micro);
        if (it == drawn.end()) it = drawn.emplace(micro, corpus.train_batch(spec.seed, step, micro, spec.batch, spec.seq)).first;
        return it->second;
      };
      const bool masked = spec.data_format == "jsonl";
      const StepOutcome outcome = train_step(
          model, params, adam, lr, spec.clip, spec.accumulate,
          [&](std::int64_t micro) { return batches(micro).tokens; }, layer_step ? &probe : nullptr,
          masked ? std::function<at::Tensor(std::int64_t)>([&](std::int64_t micro) { return batches(micro).mask; })
                 : std::function<at::Tensor(std::int64_t)>(),
          [&] {
            if (layer_step) layer_grads = layer_grad_norms(params, L);
          });
      const double loss = outcome.loss, grad_norm = outcome.grad_norm;
      const std::string diverged = divergence.check(step, loss);
      if (!diverged.empty()) {
        // The update of a non-finite step was not applied; the last good checkpoint stays
        // the run's last listed one.
        metrics.log(run, "train/loss", step, loss);
        metrics.flush();
        db.heartbeat(run, step - 1);  // the last step whose update was applied
        result.end = TrainEnd::diverged;
        result.message = diverged;
        db.add_event(run, store::EventLevel::error, "diverged: " + result.message);
        db.set_status(run, store::RunStatus::diverged, result.message);
        result.last_loss = loss;
        return result;
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      const double tps = seconds > 0 ? tokens_per_step / seconds : 0;

      metrics.log(run, "train/loss", step, loss);
      metrics.log(run, "train/lr", step, lr);
      metrics.log(run, "train/grad_norm", step, grad_norm);
      metrics.log(run, "train/tokens_per_s", step, tps);
      metrics.log(run, "train/tokens", step, tokens_per_step * static_cast<double>(step));
      if (layer_step)
        for (std::int64_t l = 1; l <= L; ++l) {
          const TrainingLayerMetrics& m = probe.metrics()[static_cast<std::size_t>(l - 1)];
          const int layer = static_cast<int>(l);
          metrics.log_layer(run, "residual_variance", step, layer, m.residual_variance);
          metrics.log_layer(run, "angular_distance_next", step, layer, m.angular_distance_next);
          metrics.log_layer(run, "update_ratio", step, layer, m.update_ratio);
          metrics.log_layer(run, "grad_norm", step, layer, layer_grads[static_cast<std::size_t>(l - 1)]);
        }
      TrainRunOptions::StepReport report{run, step, spec.steps, loss, lr, grad_norm, tps, -1, -1};
      if (step % spec.resolved_eval_every() == 0 || step == spec.steps) {
        const double val = validation_loss(model, corpus, spec);
        metrics.log(run, "val/loss", step, val);
        metrics.log(run, "val/ppl", step, formulas::perplexity_from_nll(val));
        report.val_loss = val;
        result.last_val_loss = val;
      }
      result.step = step;
      result.last_loss = loss;
      heartbeat.set_step(step);
      const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
      report.eta_s = elapsed / static_cast<double>(step - start) * static_cast<double>(spec.steps - step);
      if (o.on_step) o.on_step(report);

      const bool stopping = o.stop != nullptr && o.stop->load();
      if (step == spec.steps || stopping || (spec.checkpoint_every > 0 && step % spec.checkpoint_every == 0)) {
        metrics.flush();  // the rows up to this checkpoint are committed before it is listed
        save_checkpoint(db, run, step, o.out_dir, config, model.weights(), adam, corpus, spec);
      }
      if (step == spec.steps) db.heartbeat(run, step);
      if (stopping && step < spec.steps) {
        metrics.flush();
        db.heartbeat(run, step);
        result.end = TrainEnd::stopped;
        result.message = "stopped at step " + std::to_string(step) + " on request; resume with train --resume";
        db.add_event(run, store::EventLevel::info, result.message);
        db.set_status(run, store::RunStatus::stopped, "");
        return result;
      }
    }
    metrics.flush();
    db.set_status(run, store::RunStatus::finished, "");
    db.add_event(run, store::EventLevel::info, "finished at step " + std::to_string(result.step));
    return result;
  } catch (const Cancelled&) {
    db.set_status(run, store::RunStatus::stopped, "cancelled");
    throw;
  } catch (const std::exception& e) {
    try {
      db.set_status(run, store::RunStatus::failed, e.what());
      db.add_event(run, store::EventLevel::error, e.what());
    } catch (...) {
    }
    throw;
  }
}

}  // namespace depthscope
