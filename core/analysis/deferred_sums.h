#pragma once
// Sums the statistics collect over many windows, kept on the activations' device so that the
// per-window loop never waits for the GPU (a host read, .item(), is a device sync): the numbers
// are read once, when the mean or the moments are asked for. On the CPU the results are the
// same doubles as summing on the host in the same order (the same IEEE additions).
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/analysis/formulas.h"

namespace depthscope {

// Many device tensors read to the host with one copy (one sync): queue them, read(), then take
// their elements back in the order queued. Undefined tensors are skipped.
class HostRead {
 public:
  void queue(const at::Tensor& t);
  void read();
  // The next n elements (float64) read; throws if fewer are left.
  const double* next(std::int64_t n);

 private:
  std::vector<at::Tensor> queued_;
  std::vector<double> values_;
  std::size_t at_ = 0;
};

// The mean over tokens of a per-token statistic, summed window by window: sum is a 0-d
// float64 tensor on the statistic's device (sum = sum + per_token.sum()), the count a host
// number.
struct TokenMean {
  at::Tensor sum;  // [] float64; undefined until the first add
  double count = 0;
  void add(const at::Tensor& per_token);  // per_token [...]
  // sum / count (reads sum: one sync); NaN when nothing was added.
  double mean() const;
  // The same through a HostRead: queue(r) before r.read(), mean(r) after, in the same order.
  void queue(HostRead& r) const { r.queue(sum); }
  double mean(HostRead& r) const;
};

// The element moments of many parts (windows), merged in the order they were added with
// Chan's formula (formulas::Moments::merge) on the host when read: exactly what merging
// formulas::element_moments of each part as it comes would give.
struct DeferredMoments {
  std::vector<formulas::MomentSums> parts;
  void add(formulas::MomentSums part) { parts.push_back(std::move(part)); }
  // Reads every part at once (one sync) and merges them.
  formulas::Moments merged() const;
  // The same through a HostRead: queue(r) before r.read(), merged(r) after, in the same order.
  void queue(HostRead& r) const;
  formulas::Moments merged(HostRead& r) const;
};

}  // namespace depthscope
