#pragma once
// One Adam/AdamW update of many tensors with LibTorch's multi-tensor (_foreach_) ops: on a GPU
// each of the update's seven element-wise steps runs as a few kernel launches for all tensors
// together instead of one launch per tensor (a Llama of 12 layers has 111 weight tensors, so
// the per-tensor sequence is ~800 launches per step). The same operations in the same order as
// Adam::step's per-tensor ATen sequence (core/train/adam.cpp) and torch.optim.Adam:
//   p *= 1 - lr wd (AdamW);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + eps),   step_size = lr / (1 - b1^t).
// Every list holds tensors of one device and dtype, the i-th of each list of the same shape.
#include <ATen/core/Tensor.h>

#include <vector>

namespace depthscope {

struct AdamForeachStep {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double step_size = 0;  // lr / (1 - beta1^t)
  double sqrt_bc2 = 1;   // sqrt(1 - beta2^t)
  double decay = 1;      // AdamW: 1 - lr * weight_decay; 1: plain Adam
};

// Updates params, exp_avg (m) and exp_avg_sq (v) in place from grads.
void adam_update_foreach(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                         const std::vector<at::Tensor>& exp_avg, const std::vector<at::Tensor>& exp_avg_sq,
                         const AdamForeachStep& s);

}  // namespace depthscope
