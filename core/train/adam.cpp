#include "core/train/adam.h"

#include <ATen/ATen.h>

#include <cmath>
#include <map>

#include "core/error.h"

namespace depthscope {

Adam::Adam(std::vector<std::pair<std::string, at::Tensor>> params, AdamOptions options)
    : params_(std::move(params)), o_(options) {
  for (const auto& [name, p] : params_) {
    m_.push_back(at::zeros_like(p));
    v_.push_back(at::zeros_like(p));
  }
}

void Adam::step(double lr) {
  ++t_;
  const double bc1 = 1.0 - std::pow(o_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(o_.beta2, static_cast<double>(t_));
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& p = params_[i].second;
    const at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (o_.weight_decay > 0) p.mul_(1.0 - lr * o_.weight_decay);  // AdamW: decoupled decay
    m_[i].mul_(o_.beta1).add_(g, 1.0 - o_.beta1);                 // m = b1 m + (1 - b1) g
    v_[i].mul_(o_.beta2).addcmul_(g, g, 1.0 - o_.beta2);          // v = b2 v + (1 - b2) g^2
    // p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), as torch.optim.Adam computes it.
    const at::Tensor denom = (v_[i].sqrt() / std::sqrt(bc2)).add_(o_.eps);
    p.addcdiv_(m_[i], denom, -lr / bc1);
  }
}

NamedTensors Adam::state() const {
  NamedTensors s;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    s.emplace_back("exp_avg/" + params_[i].first, m_[i]);
    s.emplace_back("exp_avg_sq/" + params_[i].first, v_[i]);
  }
  return s;
}

void Adam::load_state(const NamedTensors& state, std::int64_t steps, const std::string& source) {
  std::map<std::string, at::Tensor> by_name(state.begin(), state.end());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    for (auto [prefix, slot] : {std::pair<const char*, at::Tensor*>{"exp_avg/", &m_[i]}, {"exp_avg_sq/", &v_[i]}}) {
      const std::string name = prefix + params_[i].first;
      auto it = by_name.find(name);
      if (it == by_name.end()) throw FileError(source, name, "optimiser moment is missing");
      if (it->second.sizes() != params_[i].second.sizes())
        throw FileError(source, name, "optimiser moment has the wrong shape for its parameter");
      *slot = it->second.to(at::kFloat).clone();
    }
  }
  t_ = steps;
}

}  // namespace depthscope
