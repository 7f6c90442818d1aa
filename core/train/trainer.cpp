#include "core/train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/analysis/formulas.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/store/metric_writer.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"
#include "core/train/adam.h"
#include "core/train/distributed_group.h"
#include "core/train/distributed_reducer.h"
#include "core/train/divergence.h"
#include "core/train/heartbeat.h"
#include "core/train/lr_schedule.h"
#include "core/train/training_data.h"
#include "core/runtime/torch_device.h"
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

// Mean next-token NLL over the validation windows (the counted targets only). With a group,
// rank r evaluates batches r, r+W, ... and the sums are added over the ranks. On the model's
// device, in float32.
double validation_loss(const Transformer& model, const TrainingData& data, const TrainSpec& spec, DistGroup* dist) {
  at::NoGradGuard no_grad;
  const at::Device device = model.weights().tok_embeddings.device();
  double sum = 0, count = 0;
  const std::vector<TrainingBatch> batches = data.validation_batches(spec.seq, spec.eval_tokens, spec.batch);
  for (std::size_t k = 0; k < batches.size(); ++k) {
    if (dist != nullptr && static_cast<int>(k % static_cast<std::size_t>(dist->world())) != dist->rank()) continue;
    const TrainingBatch& b = batches[k];
    const at::Tensor w = b.tokens.to(device);  // [n, T+1]
    const std::int64_t T = w.size(1) - 1;
    const at::Tensor logits = model.forward(w.slice(1, 0, T));  // [n, T, V]
    at::Tensor nll = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), w.slice(1, 1, T + 1).reshape({-1}),
                                            {}, at::Reduction::None);  // [n*T]
    if (b.mask.defined()) {
      const at::Tensor m = b.mask.reshape({-1}).to(device);
      sum += (nll * m).sum().item<double>();
      count += m.sum().item<double>();
    } else {
      sum += nll.sum().item<double>();
      count += static_cast<double>(nll.numel());
    }
  }
  if (dist != nullptr) {
    std::vector<at::Tensor> v{at::tensor({sum, count}, at::kDouble)};  // [2]
    dist->all_reduce_sum(v, "the validation loss");
    sum = v[0][0].item<double>();
    count = v[0][1].item<double>();
  }
  return count > 0 ? sum / count : std::nan("");
}

// Rows [r*B/W, (r+1)*B/W) of a global micro-batch: rank r's share, by global sample index.
TrainingBatch rank_share(const TrainingBatch& global, const DistGroup& g) {
  const std::int64_t per = global.tokens.size(0) / g.world(), first = per * g.rank();
  return {global.tokens.slice(0, first, first + per), global.mask.defined() ? global.mask.slice(0, first, first + per) : at::Tensor()};
}

// Every rank's tensors must be the same after the broadcast: a 64-bit hash of each tensor's
// bytes (exact, unlike a sum whose rounding depends on the thread count), compared by
// all-reduce min against max.
void check_identical(DistGroup& g, const std::vector<at::Tensor>& tensors, const std::string& what) {
  std::vector<double> f;
  for (const at::Tensor& t : tensors) {
    const at::Tensor c = t.detach().to(at::kCPU).contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
    const std::size_t n = c.nbytes();
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over 8-byte words, then the tail bytes
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
      std::uint64_t w;
      std::memcpy(&w, bytes + k, 8);
      h = (h ^ w) * 1099511628211ull;
      h ^= h >> 29;
    }
    for (; k < n; ++k) h = (h ^ bytes[k]) * 1099511628211ull;
    f.push_back(static_cast<double>(h >> 32));         // two exact halves
    f.push_back(static_cast<double>(h & 0xffffffffull));
  }
  at::Tensor mine = at::tensor(f, at::kDouble), lo = mine.clone(), hi = mine.clone();  // [2 * tensors]
  g.all_reduce_min(lo, "the check of " + what);
  g.all_reduce_max(hi, "the check of " + what);
  if (!at::equal(lo, hi))
    throw UsageError("rank " + std::to_string(g.rank()) + " of " + std::to_string(g.world()) + ": " + what +
                     " differ between the ranks" + (at::equal(mine, lo) && at::equal(mine, hi) ? "" : " (this rank's among them)"));
}

// The ranks start a run together or not at all: any rank's refusal stops every rank.
void agree_to_start(DistGroup& g, const std::string& refusal, std::int64_t run) {
  at::Tensor v = at::tensor({refusal.empty() ? 0.0 : 1.0}, at::kDouble);  // [1]
  g.all_reduce_max(v, "the start of run " + std::to_string(run));
  if (!refusal.empty()) throw UsageError(refusal);
  if (v.item<double>() > 0)
    throw UsageError("rank " + std::to_string(g.rank()) + ": another rank refused run " + std::to_string(run) + " (see its message)");
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
  DistGroup* const g = o.dist;
  const bool lead = g == nullptr || g->rank() == 0;  // writes the database and checkpoints
  store::RunDb db(o.db_path);
  const std::optional<store::RunRecord> record = db.get_run(run);
  // One process per run: a run that is running elsewhere, or already finished, is refused
  // before anything changes (opening the database has reaped runs whose process is gone).
  std::string refusal;
  if (!record) refusal = "run " + std::to_string(run) + " is not in " + o.db_path;
  else if (lead && record->status == store::RunStatus::running && record->pid && *record->pid != store::this_pid() &&
           record->host == store::this_host() && store::process_alive(*record->pid))
    refusal = "run " + std::to_string(run) + " of " + o.db_path + " is already running (pid " +
              std::to_string(*record->pid) + "); stop it first (jobs stop " + std::to_string(run) + ")";
  else if (record->status == store::RunStatus::finished)
    refusal = "run " + std::to_string(run) + " of " + o.db_path + " has finished; nothing to train";
  if (g != nullptr) agree_to_start(*g, refusal, run);
  else if (!refusal.empty()) throw UsageError(refusal);
  try {
    const TrainSpec spec = parse_train_spec_text(record->spec_json, o.db_path + ": run " + std::to_string(run), ".");
    const NormScheme scheme = parse_norm_scheme(record->scheme);
    const std::unique_ptr<TrainingData> data = open_training_data(spec);
    const TrainingData& corpus = *data;
    if (g != nullptr && spec.batch % g->world() != 0)
      throw UsageError("run " + std::to_string(run) + ": the spec's batch (" + std::to_string(spec.batch) +
                       " sequences per micro-batch, all ranks together) does not split evenly over " +
                       std::to_string(g->world()) + " ranks");

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
    // The run's device: weights (and with them Adam's moments), resumed state and batches.
    ComputeDevice where = spec.compute_device();
    if (g != nullptr && where.is_cuda() && where.index < 0) where.index = g->env().local_rank;  // a GPU per local rank
    const at::Device device = torch_device(where);
    if (!device.is_cpu()) weights = weights_on(weights, device);
    Transformer model(config, weights);
    const NamedParams params = trainable_parameters(model);
    AdamOptions ao;
    ao.weight_decay = spec.optimizer == "adamw" ? spec.weight_decay : 0.0;
    Adam adam(params, ao);
    if (o.resume) {
      for (auto& [name, t] : optimizer_state) t = t.to(device);  // Adam's moments where the weights are
      adam.load_state(optimizer_state, adam_steps, resumed_from);
    }

    // Data parallel: rank 0's weights everywhere, then checked; the gradient buckets.
    std::unique_ptr<GradientReducer> reducer;
    double full_allreduce_s = 0;
    if (g != nullptr) {
      std::vector<at::Tensor> tensors;
      for (const auto& [name, p] : params) tensors.push_back(p);
      {
        at::NoGradGuard no_grad;
        g->broadcast(tensors, 0, "the broadcast of rank 0's weights");
      }
      check_identical(*g, tensors, "the weights");
      std::vector<at::Tensor> state;
      for (auto& [name, t] : adam.state()) state.push_back(t);
      state.push_back(at::tensor({static_cast<double>(adam.steps()), static_cast<double>(start)}, at::kDouble));
      check_identical(*g, state, "the optimiser states (resumed from " + (resumed_from.empty() ? std::string("nothing") : resumed_from) + ")");
      reducer = std::make_unique<GradientReducer>(*g, params);
      full_allreduce_s = reducer->time_full_all_reduce(5);
    }

    if (lead) {
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
      if (g != nullptr) {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "data-parallel: %d ranks (%s, rendezvous %s:%d), %lld of %lld sequences per rank and micro-batch; "
                      "%.1f MB of gradients in %zu buckets; one all-reduce of all of them %.2f ms (median of 5)",
                      g->world(), g->backend().c_str(), g->env().master_addr.c_str(), g->env().master_port,
                      static_cast<long long>(spec.batch / g->world()), static_cast<long long>(spec.batch),
                      static_cast<double>(reducer->gradient_bytes()) / 1e6, reducer->buckets(), full_allreduce_s * 1e3);
        db.add_event(run, store::EventLevel::info, buf);
      }
    }
    std::optional<store::MetricWriter> metrics;
    std::optional<Heartbeat> heartbeat;
    if (lead) {
      metrics.emplace(o.db_path);
      heartbeat.emplace(o.db_path, run);
      heartbeat->set_step(start);
    }
    DivergenceWatch divergence(spec.divergence_margin, spec.divergence_patience);
    const LrSchedule schedule{spec.lr, spec.resolved_warmup(), spec.steps, spec.min_lr_ratio};
    const std::int64_t L = config.num_layers;
    const double tokens_per_step = static_cast<double>(spec.batch * spec.seq * spec.accumulate);
    TrainRunResult result;
    result.step = start;
    const auto run_start = Clock::now();
    // Long single-rank work between collectives (rank 0's checkpoint) waits this long.
    const double long_wait_s = g != nullptr ? std::max(g->env().timeout_s, 1800.0) : 0;

    for (std::int64_t step = start + 1; step <= spec.steps; ++step) {
      const auto t0 = Clock::now();
      if (g != nullptr) g->mark_step(step);
      const double lr = learning_rate(schedule, step);
      const bool layer_step = step == 1 || step % spec.resolved_layer_metrics_every() == 0 || step == spec.steps;
      TrainingProbe probe(L);
      std::vector<double> layer_grads;
      // The step's micro-batches, drawn once each (tokens and, for JSONL, the loss mask). With
      // a group each rank draws the global micro-batch and keeps its rows.
      std::map<std::int64_t, TrainingBatch> drawn;
      std::map<std::int64_t, double> weight;  // data parallel: this rank's share of the counted targets
      const bool masked = spec.data_format == "jsonl";
      const auto batches = [&](std::int64_t micro) -> const TrainingBatch& {
        auto it = drawn.find(micro);
        if (it == drawn.end()) {
          TrainingBatch b = corpus.train_batch(spec.seed, step, micro, spec.batch, spec.seq);
          if (g != nullptr) {
            TrainingBatch mine = rank_share(b, *g);
            double w = 1;
            if (masked) {
              const double all = b.mask.sum().item<double>(), here = mine.mask.sum().item<double>();
              w = all > 0 ? static_cast<double>(g->world()) * here / all : 0.0;
            }
            weight[micro] = w;
            b = std::move(mine);
          }
          if (!device.is_cpu()) {
            b.tokens = b.tokens.to(device);
            if (b.mask.defined()) b.mask = b.mask.to(device);
          }
          it = drawn.emplace(micro, std::move(b)).first;
        }
        return it->second;
      };
      bool stop_all = o.stop != nullptr && o.stop->load();
      double allreduce_s = 0;
      StepSync sync;
      if (g != nullptr) {
        sync.weight = [&](std::int64_t micro) {
          batches(micro);
          return weight[micro];
        };
        sync.before_last_backward = [&] { reducer->arm(); };
        sync.reduce = [&](double local_loss) {
          allreduce_s = reducer->finish();
          // The loss and the stop request travel together: every rank stops at the same step.
          std::vector<at::Tensor> v{at::tensor({local_loss, stop_all ? 1.0 : 0.0}, at::kDouble)};  // [2]
          g->all_reduce_sum(v, "the loss all-reduce of step " + std::to_string(step));
          stop_all = v[0][1].item<double>() > 0;
          return v[0][0].item<double>() / static_cast<double>(g->world());
        };
      }
      const StepOutcome outcome = train_step(
          model, params, adam, lr, spec.clip, spec.accumulate,
          [&](std::int64_t micro) { return batches(micro).tokens; }, layer_step && lead ? &probe : nullptr,
          masked ? std::function<at::Tensor(std::int64_t)>([&](std::int64_t micro) { return batches(micro).mask; })
                 : std::function<at::Tensor(std::int64_t)>(),
          [&] {
            if (layer_step && lead) layer_grads = layer_grad_norms(params, L);
          },
          g != nullptr ? &sync : nullptr, spec.dtype);
      const double loss = outcome.loss, grad_norm = outcome.grad_norm;
      const std::string diverged = divergence.check(step, loss);
      if (!diverged.empty()) {
        // The update of a non-finite step was not applied; the last good checkpoint stays
        // the run's last listed one.
        result.end = TrainEnd::diverged;
        result.message = diverged;
        result.last_loss = loss;
        if (lead) {
          metrics->log(run, "train/loss", step, loss);
          metrics->flush();
          db.heartbeat(run, step - 1);  // the last step whose update was applied
          db.add_event(run, store::EventLevel::error, "diverged: " + result.message);
          db.set_status(run, store::RunStatus::diverged, result.message);
        }
        return result;
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      const double tps = seconds > 0 ? tokens_per_step / seconds : 0;

      if (lead) {
        metrics->log(run, "train/loss", step, loss);
        metrics->log(run, "train/lr", step, lr);
        metrics->log(run, "train/grad_norm", step, grad_norm);
        metrics->log(run, "train/tokens_per_s", step, tps);
        metrics->log(run, "train/tokens", step, tokens_per_step * static_cast<double>(step));
        if (g != nullptr) {
          metrics->log(run, "train/step_s", step, seconds);
          metrics->log(run, "train/allreduce_wait_s", step, allreduce_s);
        }
        if (layer_step)
          for (std::int64_t l = 1; l <= L; ++l) {
            const TrainingLayerMetrics& m = probe.metrics()[static_cast<std::size_t>(l - 1)];
            const int layer = static_cast<int>(l);
            metrics->log_layer(run, "residual_variance", step, layer, m.residual_variance);
            metrics->log_layer(run, "angular_distance_next", step, layer, m.angular_distance_next);
            metrics->log_layer(run, "update_ratio", step, layer, m.update_ratio);
            metrics->log_layer(run, "grad_norm", step, layer, layer_grads[static_cast<std::size_t>(l - 1)]);
          }
      }
      TrainRunOptions::StepReport report{run, step, spec.steps, loss, lr, grad_norm, tps, -1, -1, allreduce_s};
      if (step % spec.resolved_eval_every() == 0 || step == spec.steps) {
        const double val = validation_loss(model, corpus, spec, g);
        if (lead) {
          metrics->log(run, "val/loss", step, val);
          metrics->log(run, "val/ppl", step, formulas::perplexity_from_nll(val));
        }
        report.val_loss = val;
        result.last_val_loss = val;
      }
      result.step = step;
      result.last_loss = loss;
      if (lead) heartbeat->set_step(step);
      const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
      report.eta_s = elapsed / static_cast<double>(step - start) * static_cast<double>(spec.steps - step);
      if (o.on_step && lead) o.on_step(report);

      // One process: a stop request up to now; a group: the one all ranks agreed on this step.
      const bool stopping = g != nullptr ? stop_all : o.stop != nullptr && o.stop->load();
      if (step == spec.steps || stopping || (spec.checkpoint_every > 0 && step % spec.checkpoint_every == 0)) {
        if (lead) {
          metrics->flush();  // the rows up to this checkpoint are committed before it is listed
          save_checkpoint(db, run, step, o.out_dir, config, model.weights(), adam, corpus, spec);
        }
        if (g != nullptr) g->barrier("rank 0's checkpoint at step " + std::to_string(step), long_wait_s);
      }
      if (step == spec.steps && lead) db.heartbeat(run, step);
      if (stopping && step < spec.steps) {
        result.end = TrainEnd::stopped;
        result.message = "stopped at step " + std::to_string(step) + " on request; resume with train --resume";
        if (lead) {
          metrics->flush();
          db.heartbeat(run, step);
          db.add_event(run, store::EventLevel::info, result.message);
          db.set_status(run, store::RunStatus::stopped, "");
        }
        return result;
      }
    }
    if (lead) {
      metrics->flush();
      db.set_status(run, store::RunStatus::finished, "");
      db.add_event(run, store::EventLevel::info, "finished at step " + std::to_string(result.step));
    }
    if (g != nullptr) g->barrier("the end of run " + std::to_string(run), long_wait_s);
    return result;
  } catch (const Cancelled&) {
    if (lead) db.set_status(run, store::RunStatus::stopped, "cancelled");
    throw;
  } catch (const DistError& e) {
    // Rank 0 records why; when rank 0 itself is gone, the rank that noticed replaces the
    // generic "process lost" that reaping rank 0's run gives (same host only).
    try {
      if (lead) {
        db.set_status(run, store::RunStatus::failed, e.what());
        db.add_event(run, store::EventLevel::error, e.what());
      } else if (e.lost_rank() == 0) {
        store::RunDb again(o.db_path);
        const std::optional<store::RunRecord> now = again.get_run(run);
        if (now && now->status == store::RunStatus::failed && now->error == store::kProcessLost) {
          again.set_status(run, store::RunStatus::failed, e.what());
          again.add_event(run, store::EventLevel::error, e.what());
        }
      }
    } catch (...) {
    }
    throw;
  } catch (const std::exception& e) {
    try {
      if (lead) {
        db.set_status(run, store::RunStatus::failed, e.what());
        db.add_event(run, store::EventLevel::error, e.what());
      }
    } catch (...) {
    }
    throw;
  }
}

}  // namespace depthscope
