#pragma once
// The optimiser steps of one run, after it has been claimed and its model built
// (core/train/trainer.cpp): metrics, layer metrics, evaluations, checkpoints, the divergence
// watch, stop requests and the end status, every write through the run's lease. Internal to
// core/train.
#include <cstdint>
#include <string>

#include "core/train/divergence.h"
#include "core/train/train_step.h"
#include "core/train/trainer.h"

namespace depthscope {

namespace store {
class MetricWriter;
class RunLease;
}  // namespace store
class DistGroup;
class GradientReducer;
class Heartbeat;
class TrainingData;
class Transformer;
struct TrainSpec;

struct TrainingLoop {
  const TrainRunOptions& options;
  const TrainSpec& spec;
  Transformer& model;
  const NamedParams& params;
  Adam& adam;
  const TrainingData& data;
  std::int64_t run = 0;
  std::int64_t start = 0;               // optimiser steps already done
  std::string data_sha256;              // recorded in every checkpoint
  DivergenceWatch& divergence;
  DistGroup* group = nullptr;           // data parallel, or nullptr
  GradientReducer* reducer = nullptr;   // with a group
  // Rank 0 (or the only process): the run's lease, its metric writer and heartbeat; nullptr
  // on the other ranks, which write nothing.
  store::RunLease* lease = nullptr;
  store::MetricWriter* metrics = nullptr;
  Heartbeat* heartbeat = nullptr;
};

// Trains from loop.start + 1 to the spec's steps, or until a stop request or divergence.
TrainRunResult run_training_loop(TrainingLoop& loop);

}  // namespace depthscope
