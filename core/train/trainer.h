#pragma once
// Training one run of the run database: from scratch, from a fine-tuning checkpoint, or
// resumed from the run's last checkpoint. Uses the one Transformer forward with autograd
// (weights as leaf tensors), Adam/AdamW with the paper's schedule, and streams every metric
// into the database (docs/runs.md) while it runs. Torch-free header.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/model/config.h"

namespace depthscope {

class DistGroup;
struct TrainSpec;

struct TrainRunOptions {
  std::string db_path;
  std::string out_dir;                       // checkpoints go to out_dir/run-<id>/step-<k>
  bool resume = false;                       // continue from the run's last checkpoint
  const std::atomic<bool>* stop = nullptr;   // set (e.g. by SIGTERM): checkpoint and stop
  // Data-parallel training (docs/distributed.md): every rank calls train_run with the same
  // run and its group. The spec's batch is the global micro-batch: rank r trains rows
  // [r*B/W, (r+1)*B/W) of it, gradients are averaged, rank 0 alone writes to the database
  // and the checkpoint folder. nullptr: one process.
  DistGroup* dist = nullptr;
  // Called after every optimiser step on the training thread (the CLI prints from it).
  struct StepReport {
    std::int64_t run = 0, step = 0, steps = 0;
    double loss = 0, lr = 0, grad_norm = 0, tokens_per_s = 0, eta_s = -1;
    double val_loss = -1;                    // < 0 unless evaluated at this step
    double allreduce_s = 0;                  // data-parallel: waiting for gradients after backward
  };
  std::function<void(const StepReport&)> on_step;
};

enum class TrainEnd { finished, stopped, diverged };

struct TrainRunResult {
  TrainEnd end = TrainEnd::finished;
  std::int64_t step = 0;         // optimiser steps done
  double last_loss = 0;
  double last_val_loss = -1;
  std::string message;           // why it stopped or diverged
};

// Trains run `run` of the database to its planned steps. Marks it running (pid, host),
// heartbeats, writes checkpoints, and ends it finished, stopped or diverged; on an exception
// the run is marked failed with the message and the exception is rethrown. With a group,
// rank 0 does all of that; a rank that loses its peers throws DistError naming the rank.
TrainRunResult train_run(std::int64_t run, const TrainRunOptions& options);

// The shape a run starts from when it is not resumed: the spec's model under the run's scheme
// with the corpus vocabulary, or the init checkpoint's shape under the run's scheme. Throws
// FileError naming the checkpoint when its vocabulary is not the corpus tokenizer's.
// (Weights: paper init with the spec's seed -- identical across schemes for the parameters
// they share -- or the checkpoint's tensors; tensors a new scheme adds keep their init.)
ModelConfig initial_config(const TrainSpec& spec, NormScheme scheme, std::int64_t corpus_vocab);

}  // namespace depthscope
