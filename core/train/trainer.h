#pragma once
// Training one run of the run database: from scratch, from a fine-tuning checkpoint, or
// resumed from the run's last checkpoint. Uses the one Transformer forward with autograd
// (weights as leaf tensors), Adam/AdamW with the paper's schedule, and streams every metric
// into the database (docs/runs.md) while it runs. Torch-free header.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/train/run_paths.h"

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
  // Apply the spec's "threads" (when set) to this process: true unless the user chose the
  // threads explicitly (--threads), which then win. The run's start event records the tensor
  // threads it uses.
  bool use_spec_threads = true;
  // Refuse to start when the run's estimated peak memory (core/train/training_memory.h)
  // exceeds this many bytes; <= 0: the default budget, 70% of physical memory.
  std::int64_t memory_budget = 0;
  // Called by rank 0 with the paths the run's stored spec names (core/train/run_paths.h: the
  // corpus, the init checkpoint, the checkpoint a resume loads) and the checkpoint folder it
  // will write, before any of them is read or written: a run database may come from someone
  // else. A refusal thrown from here stops the run before anything is touched.
  std::function<void(const std::vector<RunPath>&)> show_paths;
  // Fault injection for tests: multiplies every gradient of step `step` before its norm is
  // taken (Inf: a non-finite gradient norm under a finite loss). Empty in training.
  std::function<double(std::int64_t step)> gradient_scale;
};

enum class TrainEnd { finished, stopped, diverged };

struct TrainRunResult {
  TrainEnd end = TrainEnd::finished;
  std::int64_t step = 0;         // optimiser steps done
  double last_loss = 0;
  double last_val_loss = -1;
  std::string message;           // why it stopped or diverged
};

// Trains run `run` of the database to its planned steps. First, before anything is written:
// the run must be trainable as asked (not finished or diverged; --resume needs a checkpoint, a
// start from step 0 must have none), the checkpoint folder writable, the estimated memory
// within the budget, and on resume the data on disk the data of the checkpoint (its SHA-256).
// Then the run is claimed (store::RunLease: status running, the next attempt) and every later
// write goes through the lease: heartbeats, metrics, checkpoints, and the end status
// (finished, stopped or diverged). On an exception the run is marked failed with the message
// and the exception is rethrown; a process that lost its run (store::LeaseLost) writes
// nothing more. With a group, rank 0 alone opens the database and hands the run's plan to
// the others through the group's store; a rank that loses its peers throws DistError.
TrainRunResult train_run(std::int64_t run, const TrainRunOptions& options);

// The shape a run starts from when it is not resumed: the spec's model under the run's scheme
// with the corpus vocabulary, or the init checkpoint's shape under the run's scheme. Throws
// FileError naming the checkpoint when its vocabulary is not the corpus tokenizer's.
// (Weights: paper init with the spec's seed -- identical across schemes for the parameters
// they share -- or the checkpoint's tensors; tensors a new scheme adds keep their init.)
ModelConfig initial_config(const TrainSpec& spec, NormScheme scheme, std::int64_t corpus_vocab);

}  // namespace depthscope
