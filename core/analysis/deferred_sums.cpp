#include "core/analysis/deferred_sums.h"

#include <ATen/ATen.h>

#include <limits>
#include <stdexcept>

namespace depthscope {

void HostRead::queue(const at::Tensor& t) {
  if (t.defined()) queued_.push_back(t.reshape({-1}).to(at::kDouble));  // [n]
}

void HostRead::read() {
  values_.clear();
  at_ = 0;
  if (queued_.empty()) return;
  const at::Tensor host = at::cat(queued_).to(at::kCPU).contiguous();  // [sum of n] (the one sync)
  const double* p = host.data_ptr<double>();
  values_.assign(p, p + host.numel());
  queued_.clear();
}

const double* HostRead::next(std::int64_t n) {
  if (at_ + static_cast<std::size_t>(n) > values_.size())
    throw std::logic_error("HostRead: more values taken than were queued and read");
  const double* p = values_.data() + at_;
  at_ += static_cast<std::size_t>(n);
  return p;
}

void TokenMean::add(const at::Tensor& per_token) {
  const at::Tensor s = per_token.sum().to(at::kDouble);          // []
  sum = (sum.defined() ? sum : at::zeros({}, s.options())) + s;  // 0 + s first, as on the host
  count += static_cast<double>(per_token.numel());
}

double TokenMean::mean(HostRead& r) const {
  if (!sum.defined()) return std::numeric_limits<double>::quiet_NaN();
  const double s = *r.next(1);
  return count > 0 ? s / count : std::numeric_limits<double>::quiet_NaN();
}

double TokenMean::mean() const {
  HostRead r;
  queue(r);
  r.read();
  return mean(r);
}

void DeferredMoments::queue(HostRead& r) const {
  for (const formulas::MomentSums& p : parts)
    if (p.count != 0) r.queue(p.parts);  // [3]
}

formulas::Moments DeferredMoments::merged(HostRead& r) const {
  formulas::Moments m;
  for (const formulas::MomentSums& p : parts)
    if (p.count != 0) m.merge(p.moments(r.next(3)));  // merging empty moments changes nothing
  return m;
}

formulas::Moments DeferredMoments::merged() const {
  HostRead r;
  queue(r);
  r.read();
  return merged(r);
}

}  // namespace depthscope
