#pragma once
// What a training spec will cost, shown live in the New experiment dialog before launch.
// Pure arithmetic on the spec (no Qt, no torch):
//   memory per training process = parameters (4 B each) + gradients (4 B) + Adam's two moments
//     (8 B) + activations kept for the backward pass, per token of the micro-batch:
//     4 B x (L x (10 d + 4 ffn + 2 H T) + 3 V)  (norm inputs, q/k/v, attention scores and
//     probabilities, MLP widths; the logits, their log-softmax and gradient);
//   disk = checkpoint size (model 4 B + Adam 8 B per parameter) x checkpoints per run x runs;
//   time: a rule, not a measurement (kTrainFlopsPerCore): a step costs
//     6 (N - V d) + 12 L T d  FLOPs per token (forward + backward of the weights and the
//     attention; the embedding lookup is free) at kTrainFlopsPerCore per core, plus
//     kStepOverheadS per step, plus the validation passes (a third of a step per token).
//   The rate was measured on this project's 2-vCPU AVX-512 machines with `depthscope-cli
//   train` on 2 x 32 to 6 x 256 models (49-65 GFLOP/s on one thread, docs/benchmarks.md).
#include <cstdint>
#include <string>

#include "core/train/train_spec.h"

namespace depthscope::ui {

inline constexpr double kTrainFlopsPerCore = 40e9;  // FLOP/s of one core, conservative
inline constexpr double kStepOverheadS = 1e-3;      // per optimiser step (dispatch, logging)

struct TrainEstimate {
  std::int64_t vocab = 0;            // the tokenizer's vocabulary (assumed 32000 for a tokenizer file)
  bool vocab_assumed = false;
  std::int64_t parameters = 0;       // the largest of the runs (schemes differ slightly)
  std::int64_t param_bytes = 0, grad_bytes = 0, adam_bytes = 0, activation_bytes = 0;
  std::int64_t memory_bytes = 0;     // per training process
  std::int64_t checkpoint_bytes = 0; // one checkpoint
  std::int64_t checkpoints_per_run = 0;
  std::int64_t disk_bytes = 0;       // all checkpoints of all runs
  int runs = 0;
  int cores_per_run = 1;
  double seconds_per_run = 0;
  double seconds_total = 0;          // runs one after another unless parallel > 1
};

// The vocabulary a tokenizer choice gives: bytes 256, bpe:N / unigram:N N; anything else
// (a tokenizer file) 32000, with *assumed set.
std::int64_t tokenizer_vocab(const std::string& tokenizer, bool* assumed);

// `cores`: the machine's cores; `parallel`: runs training at once (they share the cores).
TrainEstimate estimate_training(const TrainSpec& spec, int cores, int parallel);

}  // namespace depthscope::ui
