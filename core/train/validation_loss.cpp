#include "core/train/validation_loss.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

#include "core/analysis/formulas.h"
#include "core/model/transformer.h"
#include "core/train/distributed_group.h"
#include "core/train/train_spec.h"
#include "core/train/training_data.h"

namespace depthscope {

double validation_loss(const Transformer& model, const TrainingData& data, const TrainSpec& spec, DistGroup* dist,
                       const std::set<std::int64_t>& skip) {
  at::NoGradGuard no_grad;
  const at::Device device = model.weights().tok_embeddings.device();
  double sum = 0, count = 0;
  const std::vector<TrainingBatch> batches = data.validation_batches(spec.seq, spec.eval_tokens, spec.batch);
  for (std::size_t k = 0; k < batches.size(); ++k) {
    if (dist != nullptr && static_cast<int>(k % static_cast<std::size_t>(dist->world())) != dist->rank()) continue;
    const TrainingBatch& b = batches[k];
    const at::Tensor w = b.tokens.to(device);  // [n, T+1]
    const std::int64_t T = w.size(1) - 1;
    const at::Tensor logits = model.forward(w.slice(1, 0, T), nullptr, skip);  // [n, T, V]
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

RemovalAtEnd removal_at_end(const Transformer& model, const TrainingData& data, const TrainSpec& spec,
                            DistGroup* dist, double full_loss) {
  RemovalAtEnd out;
  const double full_ppl = formulas::perplexity_from_nll(full_loss);
  double sum = 0;
  for (std::int64_t l = 1; l <= model.num_layers(); ++l) {
    const double loss = validation_loss(model, data, spec, dist, {l});
    out.delta_ppl.push_back(formulas::perplexity_from_nll(loss) - full_ppl);
    sum += out.delta_ppl.back();
  }
  out.mean_delta_ppl = out.delta_ppl.empty() ? std::nan("") : sum / static_cast<double>(out.delta_ppl.size());
  return out;
}

}  // namespace depthscope
