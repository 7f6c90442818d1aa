#pragma once
// One optimiser step of next-token training, shared by the trainer and `bench-train` (so the
// benchmark times exactly what training runs): forward through the one Transformer with
// autograd, cross-entropy, backward over `accumulate` micro-batches, global gradient norm,
// optional clipping, and the Adam update.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/train/train_dtype.h"

namespace depthscope {

class Adam;
class LayerProbe;
class Transformer;

using NamedParams = std::vector<std::pair<std::string, at::Tensor>>;

struct StepOutcome {
  double loss = 0;       // mean over micro-batches of the mean next-token NLL (nats)
  double grad_norm = 0;  // global L2 norm of the gradients, before clipping
};

// Marks every weight of `model` as a leaf that requires grad and returns them by their
// canonical names (core/model/weights.h).
NamedParams trainable_parameters(Transformer& model);

// Data-parallel hooks (core/train/distributed_reducer.h). `weight(micro)` scales this
// rank's mean loss of the micro-batch in backward and in the reported loss (W * counted
// targets here / counted targets of the global micro-batch, 1 without a loss mask; 0: the
// rank has no counted target and skips that backward); `before_last_backward` runs before
// the last micro-batch's backward (arms the overlapping all-reduce); `reduce(local loss)`
// averages gradients over the ranks and returns the global loss.
struct StepSync {
  std::function<double(std::int64_t)> weight;
  std::function<void()> before_last_backward;
  std::function<double(double)> reduce;
};

// `batch(micro)` returns int64 [B, T+1] (inputs [:, :-1], targets [:, 1:]). `probe` is handed
// to the first micro-batch's forward only. `loss_mask(micro)`, when given, returns a [B, T]
// float mask of the target positions that count (fine-tuning on responses only); the loss is
// then the mean over counted positions. When `before_update` is given it runs after the
// gradients are final and before Adam changes the weights (per-layer gradient norms).
// Stops before the update and returns a non-finite loss as it is when the loss is NaN/Inf,
// and likewise when the global gradient norm is NaN/Inf (the weights are not changed). With a
// loss mask and no data-parallel weight, micro-batches weigh by their counted targets, so the
// step's loss is the mean over every counted target of the step.
// Batches, masks, weights and Adam state live on one device (the model's). `dtype` bf16 runs
// each forward under CUDA bf16 autocast (core/train/autocast_region.h) and takes the loss of
// the logits widened to float32; f32 is the plain float32 step. `gradient_scale` != 1 multiplies
// every gradient before the norm is taken (fault injection for tests: Inf gives a non-finite
// gradient norm under a finite loss).
StepOutcome train_step(Transformer& model, const NamedParams& params, Adam& adam, double lr, double clip,
                       std::int64_t accumulate, const std::function<at::Tensor(std::int64_t)>& batch,
                       LayerProbe* probe = nullptr,
                       const std::function<at::Tensor(std::int64_t)>& loss_mask = {},
                       const std::function<void()>& before_update = {}, const StepSync* sync = nullptr,
                       TrainDtype dtype = TrainDtype::f32, double gradient_scale = 1.0);

}  // namespace depthscope
