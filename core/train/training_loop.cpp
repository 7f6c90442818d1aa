// The optimiser steps of one run (core/train/training_loop.h).
#include "core/train/training_loop.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/analysis/formulas.h"
#include "core/model/transformer.h"
#include "core/store/metric_writer.h"
#include "core/store/run_lease.h"
#include "core/train/adam.h"
#include "core/train/checkpoint_save.h"
#include "core/train/distributed_checks.h"
#include "core/train/distributed_group.h"
#include "core/train/distributed_reducer.h"
#include "core/train/heartbeat.h"
#include "core/train/lr_schedule.h"
#include "core/train/train_spec.h"
#include "core/train/training_data.h"
#include "core/train/training_probe.h"
#include "core/train/validation_loss.h"

namespace depthscope {

namespace {

using Clock = std::chrono::steady_clock;

// Sum of squared gradients of layer l's tensors ("model.layers.<l-1>."), l = 1..L.
std::vector<double> layer_grad_norms(const NamedParams& params, std::int64_t L) {
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

// One step's micro-batches, drawn once each (tokens and, for JSONL, the loss mask). With a
// group each rank draws the global micro-batch and keeps its rows; with a loss mask, micro-batch
// m then weighs A * W * (counted targets here) / (counted targets of the whole step, all ranks),
// so the step's loss is the mean over every counted target, whatever A and W.
class StepBatches {
 public:
  StepBatches(const TrainingLoop& loop, std::int64_t step, at::Device device)
      : loop_(loop), step_(step), device_(device) {}

  const TrainingBatch& get(std::int64_t micro) {
    auto it = drawn_.find(micro);
    if (it != drawn_.end()) return it->second;
    const TrainSpec& spec = loop_.spec;
    TrainingBatch b = loop_.data.train_batch(spec.seed, step_, micro, spec.batch, spec.seq);
    if (loop_.group != nullptr) {
      if (b.mask.defined()) global_counted_[micro] = b.mask.sum().item<double>();
      b = rank_share(b, *loop_.group);
    }
    if (!device_.is_cpu()) {
      b.tokens = b.tokens.to(device_);
      if (b.mask.defined()) b.mask = b.mask.to(device_);
    }
    return drawn_.emplace(micro, std::move(b)).first->second;
  }

  // Data parallel: this rank's weight of micro-batch `micro` (1 without a loss mask).
  double weight(std::int64_t micro) {
    const TrainingBatch& mine = get(micro);
    if (!mine.mask.defined()) return 1.0;
    const std::int64_t A = loop_.spec.accumulate;
    for (std::int64_t m = 0; m < A; ++m) get(m);  // the step's global count
    double all = 0;
    for (const auto& [m, c] : global_counted_) all += c;
    const double here = mine.mask.sum().item<double>();
    return all > 0 ? static_cast<double>(A * loop_.group->world()) * here / all : 0.0;
  }

 private:
  const TrainingLoop& loop_;
  std::int64_t step_;
  at::Device device_;
  std::map<std::int64_t, TrainingBatch> drawn_;
  std::map<std::int64_t, double> global_counted_;
};

TrainerState checkpoint_state(const TrainingLoop& loop, std::int64_t step) {
  return {step, to_string(loop.model.config().norm_scheme), loop.spec.seed, loop.data.source(), loop.data_sha256,
          loop.divergence.state()};
}

}  // namespace

TrainRunResult run_training_loop(TrainingLoop& loop) {
  const TrainSpec& spec = loop.spec;
  const TrainRunOptions& o = loop.options;
  DistGroup* const g = loop.group;
  store::RunLease* const lease = loop.lease;
  store::MetricWriter* const metrics = loop.metrics;
  const bool lead = lease != nullptr;
  const std::int64_t run = loop.run;
  const at::Device device = loop.model.weights().tok_embeddings.device();
  const LrSchedule schedule{spec.lr, spec.resolved_warmup(), spec.steps, spec.min_lr_ratio};
  const std::int64_t L = loop.model.config().num_layers;
  const double tokens_per_step = static_cast<double>(spec.batch * spec.seq * spec.accumulate);
  const bool masked = spec.data_format == "jsonl";
  // Long single-rank work between collectives (rank 0's checkpoint) waits this long.
  const double long_wait_s = g != nullptr ? std::max(g->env().timeout_s, 1800.0) : 0;
  TrainRunResult result;
  result.step = loop.start;
  const auto run_start = Clock::now();

  for (std::int64_t step = loop.start + 1; step <= spec.steps; ++step) {
    if (lead) lease->check();  // a lost run stops here, having written nothing more
    const auto t0 = Clock::now();
    if (g != nullptr) g->mark_step(step);
    const double lr = learning_rate(schedule, step);
    const bool layer_step = step == 1 || step % spec.resolved_layer_metrics_every() == 0 || step == spec.steps;
    TrainingProbe probe(L);
    std::vector<double> layer_grads;
    StepBatches batches(loop, step, device);
    bool stop_all = o.stop != nullptr && o.stop->load();
    double allreduce_s = 0;
    StepSync sync;
    if (g != nullptr) {
      sync.weight = [&](std::int64_t micro) { return batches.weight(micro); };
      sync.before_last_backward = [&] { loop.reducer->arm(); };
      sync.reduce = [&](double local_loss) {
        allreduce_s = loop.reducer->finish();
        // The loss and the stop request travel together: every rank stops at the same step.
        std::vector<at::Tensor> v{at::tensor({local_loss, stop_all ? 1.0 : 0.0}, at::kDouble)};  // [2]
        g->all_reduce_sum(v, "the loss all-reduce of step " + std::to_string(step));
        stop_all = v[0][1].item<double>() > 0;
        return v[0][0].item<double>() / static_cast<double>(g->world());
      };
    }
    const StepOutcome outcome = train_step(
        loop.model, loop.params, loop.adam, lr, spec.clip, spec.accumulate,
        [&](std::int64_t micro) { return batches.get(micro).tokens; }, layer_step && lead ? &probe : nullptr,
        masked ? std::function<at::Tensor(std::int64_t)>([&](std::int64_t micro) { return batches.get(micro).mask; })
               : std::function<at::Tensor(std::int64_t)>(),
        [&] {
          if (layer_step && lead) layer_grads = layer_grad_norms(loop.params, L);
        },
        g != nullptr ? &sync : nullptr, spec.dtype, o.gradient_scale ? o.gradient_scale(step) : 1.0);
    const double loss = outcome.loss, grad_norm = outcome.grad_norm;
    const std::string diverged = loop.divergence.check(step, loss, grad_norm);
    if (!diverged.empty()) {
      // The update of a non-finite step was not applied; the last good checkpoint stays the
      // run's last listed one.
      result.end = TrainEnd::diverged;
      result.message = diverged;
      result.last_loss = loss;
      if (lead) {
        metrics->log(run, "train/loss", step, loss);
        metrics->log(run, "train/grad_norm", step, grad_norm);
        metrics->flush();
        lease->heartbeat(step - 1);  // the last step whose update was applied
        lease->end(store::RunStatus::diverged, result.message, "diverged: " + result.message);
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
      const double val = validation_loss(loop.model, loop.data, spec, g);
      if (lead) {
        metrics->log(run, "val/loss", step, val);
        metrics->log(run, "val/ppl", step, formulas::perplexity_from_nll(val));
      }
      report.val_loss = val;
      result.last_val_loss = val;
      if (step == spec.steps && spec.removal_at_end) {
        const RemovalAtEnd removal = removal_at_end(loop.model, loop.data, spec, g, val);
        if (lead) {
          for (std::size_t l = 0; l < removal.delta_ppl.size(); ++l)
            metrics->log_layer(run, "removal_delta_ppl", step, static_cast<int>(l + 1), removal.delta_ppl[l]);
          metrics->log(run, "removal/mean_delta_ppl", step, removal.mean_delta_ppl);
        }
      }
    }
    result.step = step;
    result.last_loss = loss;
    if (lead) loop.heartbeat->set_step(step);
    const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
    report.eta_s = elapsed / static_cast<double>(step - loop.start) * static_cast<double>(spec.steps - step);
    if (o.on_step && lead) o.on_step(report);

    // One process: a stop request up to now; a group: the one all ranks agreed on this step.
    const bool stopping = g != nullptr ? stop_all : o.stop != nullptr && o.stop->load();
    if (step == spec.steps || stopping || (spec.checkpoint_every > 0 && step % spec.checkpoint_every == 0)) {
      if (lead) {
        metrics->flush();  // the rows up to this checkpoint are committed before it is listed
        save_checkpoint(*lease, o.out_dir, loop.model.config(), loop.model.weights(), loop.adam,
                        checkpoint_state(loop, step), loop.data.tokenizer_path());
      }
      if (g != nullptr) g->barrier("rank 0's checkpoint at step " + std::to_string(step), long_wait_s);
    }
    if (stopping && step < spec.steps) {
      result.end = TrainEnd::stopped;
      result.message = "stopped at step " + std::to_string(step) + " on request; resume with train --resume";
      if (lead) {
        metrics->flush();
        lease->heartbeat(step);
        lease->end(store::RunStatus::stopped, "", result.message);
      }
      return result;
    }
  }
  if (lead) {
    metrics->flush();
    lease->heartbeat(result.step);
    lease->end(store::RunStatus::finished, "", "finished at step " + std::to_string(result.step));
  }
  if (g != nullptr) g->barrier("the end of run " + std::to_string(run), long_wait_s);
  return result;
}

}  // namespace depthscope
