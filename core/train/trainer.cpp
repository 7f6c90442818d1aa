// train_run: from the run database's row to a trained run (core/train/trainer.h). The checks
// before the claim and the claim are here; the steps are in training_loop.cpp.
#include "core/train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/model_placement.h"
#include "core/model/quantised_weight.h"
#include "core/model/transformer.h"
#include "core/runtime/threads.h"
#include "core/runtime/torch_device.h"
#include "core/store/metric_writer.h"
#include "core/store/run_lease.h"
#include "core/train/adam.h"
#include "core/train/checkpoint_save.h"
#include "core/train/data_identity.h"
#include "core/train/distributed_checks.h"
#include "core/train/distributed_group.h"
#include "core/train/distributed_reducer.h"
#include "core/train/heartbeat.h"
#include "core/train/run_plan.h"
#include "core/train/train_spec.h"
#include "core/train/training_data.h"
#include "core/train/training_loop.h"
#include "core/train/training_memory.h"

namespace depthscope {

namespace {

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
    if (it != source.end()) t->copy_(dequantised_weight(*it->second));  // GGUF blocks as float32
  }
  return w;
}

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

// Rank 0's checks before the claim (nothing is written when one fails), then the claim.
// Returns the data's SHA-256.
std::string check_before_claim(const RunPlan& plan, const TrainSpec& spec, const TrainingData& data,
                               const TrainRunOptions& o, DistGroup* g) {
  const std::string refusal = plan_refusal(plan, o.resume);
  if (!refusal.empty()) throw UsageError(refusal);
  if (g != nullptr && spec.batch % g->world() != 0)
    throw UsageError("run " + std::to_string(plan.run) + ": the spec's batch (" + std::to_string(spec.batch) +
                     " sequences per micro-batch, all ranks together) does not split evenly over " +
                     std::to_string(g->world()) + " ranks");
  check_checkpoint_folder(o.out_dir, plan.run);
  const ModelConfig shape = initial_config(spec, parse_scheme_choice(plan.scheme).scheme, data.vocab_size());
  const std::int64_t per_rank = g != nullptr ? spec.batch / g->world() : spec.batch;
  check_training_memory("training run " + std::to_string(plan.run), shape, per_rank, spec.seq, o.memory_budget);
  const std::string sha = data_identity_sha256(spec);
  if (o.resume) {
    const TrainerState before = read_trainer_state(plan.last_checkpoint->path);
    if (!before.data_sha256.empty() && before.data_sha256 != sha)
      throw UsageError("run " + std::to_string(plan.run) + " of " + plan.db_path + ": the training data (" +
                       data.source() + ") changed since its checkpoint at step " +
                       std::to_string(plan.last_checkpoint->step) + ": its SHA-256 was " + before.data_sha256 +
                       " and is now " + sha + "; resuming would train on other data");
  }
  return sha;
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
  c.gpas = spec.gpas;
  c.dyt_alpha_attn = spec.model.dyt_alpha_attn;
  c.dyt_alpha_ffn = spec.model.dyt_alpha_ffn;
  c.dyt_alpha_final = spec.model.dyt_alpha_final;
  c.max_position = std::max(c.max_position, spec.seq);
  c.validate();
  return c;
}

TrainRunResult train_run(std::int64_t run, const TrainRunOptions& o) {
  DistGroup* const g = o.dist;
  const bool lead = g == nullptr || g->rank() == 0;  // opens the database, writes checkpoints
  // 1. The plan, the checks and the claim: rank 0 alone; the others receive the plan.
  RunPlan plan;
  std::string data_sha;
  std::optional<store::RunLease> lease;
  std::exception_ptr refused;
  if (lead) {
    try {
      plan = read_run_plan(o.db_path, run);
      if (o.show_paths) {
        std::vector<RunPath> paths = run_paths(
            plan.spec_json, o.resume && plan.last_checkpoint ? std::optional<std::string>(plan.last_checkpoint->path) : std::nullopt,
            o.db_path + ": run " + std::to_string(run));
        paths.push_back({"checkpoints", (std::filesystem::path(o.out_dir) / ("run-" + std::to_string(run))).string(), true});
        o.show_paths(paths);
      }
      const TrainSpec spec = parse_train_spec_text(plan.spec_json, o.db_path + ": run " + std::to_string(run), ".");
      const std::unique_ptr<TrainingData> data = open_training_data(spec);
      data_sha = check_before_claim(plan, spec, *data, o, g);
      store::ClaimOptions claim;
      claim.fresh_start = !o.resume;
      if (o.resume) claim.resume_checkpoint = plan.last_checkpoint->id;
      lease.emplace(o.db_path, run, claim);
    } catch (...) {
      refused = std::current_exception();
    }
  }
  if (g != nullptr) {
    const std::string key = "plan/" + std::to_string(run);
    if (lead) g->publish(key, refused ? std::string("{}") : plan.to_json().dump());
    else {
      const nlohmann::json j = nlohmann::json::parse(g->fetch(key, std::max(g->env().timeout_s, 3600.0)));
      if (!j.empty()) plan = RunPlan::from_json(j);
    }
    agree_to_start(*g, refused ? what_of(refused) : "", run);
  } else if (refused) {
    std::rethrow_exception(refused);
  }

  try {
    const TrainSpec spec = parse_train_spec_text(plan.spec_json, o.db_path + ": run " + std::to_string(run), ".");
    if (o.use_spec_threads && spec.threads > 0) set_threads(spec.threads);
    const std::unique_ptr<TrainingData> data = open_training_data(spec);
    // 2. The model: from the checkpoint the claim confirmed, or initialised.
    std::int64_t start = 0;
    ModelConfig config;
    ModelWeights weights;
    DivergenceWatch divergence(spec.divergence_margin, spec.divergence_patience);
    NamedTensors optimizer_state;
    if (o.resume) {
      const RunPlan::Checkpoint& last = *plan.last_checkpoint;
      LoadedCheckpoint ck = load_checkpoint(last.path);
      config = ck.config;
      weights = clone_weights(ck.weights, config);
      optimizer_state = load_safetensors((std::filesystem::path(last.path) / "optimizer.safetensors").string());
      divergence.restore(read_trainer_state(last.path).divergence);
      start = last.step;
    } else {
      config = initial_config(spec, parse_scheme_choice(plan.scheme).scheme, data->vocab_size());
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
      adam.load_state(optimizer_state, start, plan.last_checkpoint->path);
    }

    // 3. Data parallel: rank 0's weights everywhere, then checked; the gradient buckets.
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
      check_identical(*g, state, "the optimiser states (resumed from " +
                                     (o.resume ? plan.last_checkpoint->path : std::string("nothing")) + ")");
      reducer = std::make_unique<GradientReducer>(*g, params);
      full_allreduce_s = reducer->time_full_all_reduce(5);
    }

    // 4. Rank 0's writers, all bound to the lease.
    std::optional<store::MetricWriter> metrics;
    std::optional<Heartbeat> heartbeat;
    if (lead) {
      char buf[512];
      std::snprintf(buf, sizeof buf, "attempt %lld of process %lld: %s, %d tensor threads, data %s (SHA-256 %s)",
                    static_cast<long long>(lease->attempt()), static_cast<long long>(getpid()),
                    o.resume ? ("resumed at step " + std::to_string(start)).c_str() : "from step 0", threads(),
                    data->source().c_str(), data_sha.c_str());
      lease->add_event(store::EventLevel::info, buf);
      if (g != nullptr) {
        std::snprintf(buf, sizeof buf,
                      "data-parallel: %d ranks (%s, rendezvous %s:%d), %lld of %lld sequences per rank and micro-batch; "
                      "%.1f MB of gradients in %zu buckets; one all-reduce of all of them %.2f ms (median of 5)",
                      g->world(), g->backend().c_str(), g->env().master_addr.c_str(), g->env().master_port,
                      static_cast<long long>(spec.batch / g->world()), static_cast<long long>(spec.batch),
                      static_cast<double>(reducer->gradient_bytes()) / 1e6, reducer->buckets(), full_allreduce_s * 1e3);
        lease->add_event(store::EventLevel::info, buf);
      }
      store::MetricWriterOptions mo;
      mo.owner = lease->id();
      mo.signal = lease->signal();
      metrics.emplace(o.db_path, mo);
      heartbeat.emplace(o.db_path, lease->id(), lease->signal());
      heartbeat->set_step(start);
    }
    TrainingLoop loop{o, spec, model, params, adam, *data, run, start, data_sha, divergence, g, reducer.get(),
                      lead ? &*lease : nullptr, lead ? &*metrics : nullptr, lead ? &*heartbeat : nullptr};
    return run_training_loop(loop);
  } catch (const store::LeaseLost&) {
    throw;  // this process no longer owns the run: nothing more is written
  } catch (const Cancelled&) {
    if (lease) {
      try {
        lease->end(store::RunStatus::stopped, "cancelled");
      } catch (...) {
      }
    }
    throw;
  } catch (const std::exception& e) {
    // Rank 0 records why (a lost peer included: DistError names the rank).
    if (lease) {
      try {
        lease->end(store::RunStatus::failed, e.what(), e.what());
      } catch (...) {
      }
    }
    throw;
  }
}

}  // namespace depthscope
