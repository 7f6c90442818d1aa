#pragma once
// The validation loss a training run logs (val/loss, val/ppl), and the removal cost of each
// layer measured on the same windows at the end of training (spec "removal_at_end"):
//   removal_delta_ppl[l] = exp(val loss with layer l bypassed) - exp(val loss)
//   removal/mean_delta_ppl = the mean over layers l = 1..L
// (docs/paper.md, diagnostic 1, on the run's own validation data).
#include <cstdint>
#include <set>
#include <vector>

namespace depthscope {

class DistGroup;
class TrainingData;
class Transformer;
struct TrainSpec;

// Mean next-token NLL over the validation windows (the counted targets only), with the layers
// in `skip` (1-based) bypassed. With a group, rank r evaluates batches r, r+W, ... and the
// sums are added over the ranks (every rank calls). On the model's device, in float32.
double validation_loss(const Transformer& model, const TrainingData& data, const TrainSpec& spec, DistGroup* dist,
                       const std::set<std::int64_t>& skip = {});

struct RemovalAtEnd {
  std::vector<double> delta_ppl;  // layer 1..L
  double mean_delta_ppl = 0;
};
// `full_loss`: the validation loss of the full model, already measured.
RemovalAtEnd removal_at_end(const Transformer& model, const TrainingData& data, const TrainSpec& spec,
                            DistGroup* dist, double full_loss);

}  // namespace depthscope
