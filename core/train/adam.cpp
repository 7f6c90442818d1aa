#include "core/train/adam.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <map>
#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "core/error.h"
#include "core/runtime/parallel.h"
#include "core/train/adam_foreach.h"

namespace depthscope {

Adam::Adam(std::vector<std::pair<std::string, at::Tensor>> params, AdamOptions options)
    : params_(std::move(params)), o_(options) {
  for (const auto& [name, p] : params_) {
    m_.push_back(at::zeros_like(p));
    v_.push_back(at::zeros_like(p));
  }
}

namespace {

// The coefficients of one update, as torch.optim.Adam (and AdamW) computes them.
struct Coefficients {
  double beta1, beta2, eps;
  double step_size;     // lr / (1 - beta1^t)
  double sqrt_bc2;      // sqrt(1 - beta2^t)
  double decay;         // AdamW: 1 - lr * weight_decay (1 for Adam)
};

// Elements [i0, i1) of the update, in the order of operations torch.optim.Adam uses.
template <typename T>
void update_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, std::int64_t i,
                  std::int64_t i1, const Coefficients& c) {
  const T b1 = static_cast<T>(c.beta1), b2 = static_cast<T>(c.beta2);
  const T a1 = static_cast<T>(1.0 - c.beta1), a2 = static_cast<T>(1.0 - c.beta2);
  const T step = static_cast<T>(c.step_size), sqrt_bc2 = static_cast<T>(c.sqrt_bc2);
  const T eps = static_cast<T>(c.eps), decay = static_cast<T>(c.decay);
#if defined(__SSE2__)
  if constexpr (std::is_same_v<T, float>) {
    // Four at a time (GCC does not vectorise sqrt under errno rules); the same IEEE
    // operations in the same order as the scalar loop below, so the results are identical.
    const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), va1 = _mm_set1_ps(a1), va2 = _mm_set1_ps(a2);
    const __m128 vstep = _mm_set1_ps(step), vbc2 = _mm_set1_ps(sqrt_bc2), veps = _mm_set1_ps(eps);
    const __m128 vdecay = _mm_set1_ps(decay);
    for (; i + 4 <= i1; i += 4) {
      const __m128 gi = _mm_loadu_ps(g + i);
      const __m128 mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(va1, gi));
      const __m128 vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(va2, gi), gi));
      _mm_storeu_ps(m + i, mi);
      _mm_storeu_ps(v + i, vi);
      const __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), vbc2), veps);
      const __m128 pi = _mm_sub_ps(_mm_mul_ps(vdecay, _mm_loadu_ps(p + i)), _mm_div_ps(_mm_mul_ps(vstep, mi), denom));
      _mm_storeu_ps(p + i, pi);
    }
  }
#endif
  for (; i < i1; ++i) {
    const T gi = g[i];
    const T mi = b1 * m[i] + a1 * gi;       // m = b1 m + (1 - b1) g
    const T vi = b2 * v[i] + a2 * gi * gi;  // v = b2 v + (1 - b2) g^2
    m[i] = mi;
    v[i] = vi;
    // p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), after AdamW's decoupled decay.
    p[i] = decay * p[i] - step * mi / (std::sqrt(vi) / sqrt_bc2 + eps);
  }
}

// The whole update of one tensor in a single pass over p, g, m and v (the unfused sequence of
// ATen ops reads and writes them eight times), split over the tensor threads.
template <typename T>
void fused_update(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, const Coefficients& c) {
  T* pp = p.data_ptr<T>();
  const T* gp = g.data_ptr<T>();
  T* mp = m.data_ptr<T>();
  T* vp = v.data_ptr<T>();
  parallel_for(0, p.numel(), 32768,
                   [&](std::int64_t i0, std::int64_t i1) { update_range<T>(pp, gp, mp, vp, i0, i1, c); });
  // Raw-pointer writes bypass ATen's version counter: bump it as an in-place op would, or a
  // cache keyed by it (the packed weights, core/model/packed_gemm.h) serves the old values.
  for (at::Tensor* t : {&p, &m, &v})
    if (!t->is_inference()) t->unsafeGetTensorImpl()->bump_version();
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  const auto t = p.scalar_type();
  return p.device().is_cpu() && (t == at::kFloat || t == at::kDouble) && g.scalar_type() == t &&
         m.scalar_type() == t && v.scalar_type() == t && p.is_contiguous() && g.is_contiguous() &&
         m.is_contiguous() && v.is_contiguous() && g.sizes() == p.sizes();
}

}  // namespace

void Adam::step(double lr) {
  ++t_;
  const double bc1 = 1.0 - std::pow(o_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(o_.beta2, static_cast<double>(t_));
  const Coefficients c{o_.beta1, o_.beta2, o_.eps, lr / bc1, std::sqrt(bc2), 1.0 - lr * o_.weight_decay};
  at::NoGradGuard no_grad;
  // Float32 CUDA tensors: one multi-tensor update for all of them (a few kernel launches
  // instead of seven per tensor).
  std::vector<at::Tensor> gp, gg, gm, gv;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& p = params_[i].second;
    const at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (p.is_cuda() && p.scalar_type() == at::kFloat && g.scalar_type() == at::kFloat &&
        m_[i].device() == p.device() && v_[i].device() == p.device()) {
      gp.push_back(p), gg.push_back(g), gm.push_back(m_[i]), gv.push_back(v_[i]);
      continue;
    }
    if (fusable(p, g, m_[i], v_[i])) {
      if (p.scalar_type() == at::kFloat) fused_update<float>(p, g, m_[i], v_[i], c);
      else fused_update<double>(p, g, m_[i], v_[i], c);
      continue;
    }
    // The same update in ATen ops (other devices and dtypes, non-contiguous tensors).
    if (o_.weight_decay > 0) p.mul_(c.decay);             // AdamW: decoupled decay
    m_[i].mul_(o_.beta1).add_(g, 1.0 - o_.beta1);         // m = b1 m + (1 - b1) g
    v_[i].mul_(o_.beta2).addcmul_(g, g, 1.0 - o_.beta2);  // v = b2 v + (1 - b2) g^2
    const at::Tensor denom = (v_[i].sqrt() / c.sqrt_bc2).add_(o_.eps);
    p.addcdiv_(m_[i], denom, -c.step_size);
  }
  if (!gp.empty()) adam_update_foreach(gp, gg, gm, gv, {o_.beta1, o_.beta2, o_.eps, c.step_size, c.sqrt_bc2, c.decay});
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
