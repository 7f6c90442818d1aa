#pragma once
// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) over named leaf tensors, with
// state that saves and loads exactly, so a resumed run continues bit for bit.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/io/safetensors.h"

namespace depthscope {

struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // AdamW: decoupled, p -= lr * wd * p (0: plain Adam)
};

class Adam {
 public:
  // The parameters, by name; their .grad() is read at each step. The tensors are shared
  // handles: updating them in place updates the model.
  Adam(std::vector<std::pair<std::string, at::Tensor>> params, AdamOptions options);

  // One update with learning rate `lr`; parameters without a gradient are skipped.
  void step(double lr);
  std::int64_t steps() const { return t_; }

  // First and second moments as "exp_avg/<name>", "exp_avg_sq/<name>", and the step count.
  NamedTensors state() const;
  // Restores what state() returned; throws FileError(source, name, ...) for a missing or
  // mis-shaped moment.
  void load_state(const NamedTensors& state, std::int64_t steps, const std::string& source);

 private:
  std::vector<std::pair<std::string, at::Tensor>> params_;
  std::vector<at::Tensor> m_, v_;
  AdamOptions o_;
  std::int64_t t_ = 0;
};

}  // namespace depthscope
