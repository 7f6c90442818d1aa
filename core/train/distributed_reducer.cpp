#include "core/train/distributed_reducer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>

#include "core/train/distributed_group.h"

namespace depthscope {

struct GradientReducer::Bucket {
  at::Tensor flat;                    // float [sum of its parameters' numel]
  std::vector<std::size_t> params;    // indices into params_
  std::size_t waiting = 0;            // gradients not yet copied in this step
  std::shared_ptr<DistGroup::Pending> pending;
};

GradientReducer::GradientReducer(DistGroup& group, const std::vector<std::pair<std::string, at::Tensor>>& params,
                                 std::int64_t bucket_bytes)
    : group_(group) {
  for (const auto& [name, p] : params) params_.push_back(p);
  const std::size_t n = params_.size();
  bucket_of_.assign(n, 0);
  offset_in_.assign(n, 0);
  arrived_.assign(n, false);
  // Reverse order: the output end's gradients are ready first.
  std::vector<std::vector<std::size_t>> groups(1);
  std::int64_t in_current = 0;
  for (std::size_t k = n; k-- > 0;) {
    const std::int64_t b = params_[k].numel() * static_cast<std::int64_t>(sizeof(float));
    if (in_current > 0 && in_current + b > bucket_bytes) {
      groups.emplace_back();
      in_current = 0;
    }
    groups.back().push_back(k);
    in_current += b;
    bytes_ += b;
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    auto bucket = std::make_unique<Bucket>();
    std::int64_t numel = 0;
    for (std::size_t k : groups[g]) {
      bucket_of_[k] = g;
      offset_in_[k] = static_cast<std::size_t>(numel);
      numel += params_[k].numel();
    }
    bucket->params = groups[g];
    bucket->flat = at::zeros({numel}, params_.empty() ? at::TensorOptions() : params_[0].options().requires_grad(false));
    buckets_.push_back(std::move(bucket));
  }
  for (std::size_t k = 0; k < n; ++k)
    hooks_.push_back(params_[k].register_hook([this, k](const at::Tensor& g) { on_grad(k, g); }));
}

GradientReducer::~GradientReducer() {
  for (std::size_t k = 0; k < hooks_.size(); ++k) {
    try {
      params_[k].remove_hook(hooks_[k]);
    } catch (...) {
    }
  }
}

void GradientReducer::arm() {
  armed_ = true;
  for (auto& b : buckets_) {
    b->waiting = b->params.size();
    b->pending.reset();
  }
  arrived_.assign(params_.size(), false);
}

void GradientReducer::on_grad(std::size_t k, const at::Tensor& g) {
  if (!armed_ || arrived_[k]) return;
  arrived_[k] = true;
  Bucket& b = *buckets_[bucket_of_[k]];
  at::NoGradGuard no_grad;
  at::Tensor slot = b.flat.narrow(0, static_cast<std::int64_t>(offset_in_[k]), params_[k].numel());  // [numel]
  // The hook runs before the gradient is accumulated: the final gradient is what earlier
  // micro-batches left in .grad plus this one.
  const at::Tensor& prev = params_[k].grad();
  if (prev.defined()) at::add_out(slot, prev.reshape({-1}), g.reshape({-1}));
  else slot.copy_(g.reshape({-1}));
  if (--b.waiting == 0) launch(b);
}

void GradientReducer::launch(Bucket& b) { b.pending = group_.all_reduce_sum_async(b.flat); }

double GradientReducer::finish() {
  at::NoGradGuard no_grad;
  // Parameters backward did not reach (or a step without arm()): their .grad as it is, or 0.
  for (auto& bp : buckets_) {
    Bucket& b = *bp;
    if (b.pending) continue;
    for (std::size_t k : b.params) {
      if (armed_ && arrived_[k]) continue;
      at::Tensor slot = b.flat.narrow(0, static_cast<std::int64_t>(offset_in_[k]), params_[k].numel());
      if (params_[k].grad().defined()) slot.copy_(params_[k].grad().reshape({-1}));
      else slot.zero_();
    }
    launch(b);
  }
  armed_ = false;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& b : buckets_) group_.wait(b->pending, "the gradient all-reduce of step " + std::to_string(group_.marked_step()));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double inv = 1.0 / static_cast<double>(group_.world());
  for (auto& b : buckets_) {
    b->flat.mul_(inv);
    b->pending.reset();
    for (std::size_t k : b->params) {
      // A view of the bucket: Adam reads it; the next step drops it before backward writes.
      params_[k].mutable_grad() =
          b->flat.narrow(0, static_cast<std::int64_t>(offset_in_[k]), params_[k].numel()).view(params_[k].sizes());
    }
  }
  return waited;
}

double GradientReducer::time_full_all_reduce(int repeats) {
  at::Tensor all = at::zeros({bytes_ / static_cast<std::int64_t>(sizeof(float))}, at::kFloat);  // [gradient numel]
  std::vector<at::Tensor> one{all};
  group_.all_reduce_sum(one, "the timed all-reduce");  // warm-up (connections, buffers)
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    group_.barrier("the timed all-reduce");
    const auto t0 = std::chrono::steady_clock::now();
    group_.all_reduce_sum(one, "the timed all-reduce");
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times.empty() ? 0 : times[times.size() / 2];
}

}  // namespace depthscope
