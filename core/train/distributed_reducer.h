#pragma once
// Gradient averaging for data-parallel training, DDP-style: the parameters are packed into
// buckets (~25 MB, in reverse order, the order backward produces their gradients); during
// the last micro-batch's backward a hook on each parameter copies its final gradient into
// its bucket, and a full bucket's all-reduce starts at once on the backend's threads while
// backward goes on. finish() starts what is left, waits, and hands every parameter the
// average over ranks.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace depthscope {

class DistGroup;

class GradientReducer {
 public:
  GradientReducer(DistGroup& group, const std::vector<std::pair<std::string, at::Tensor>>& params,
                  std::int64_t bucket_bytes = 25 << 20);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before the step's last backward: its hooks fill and launch buckets from then on.
  void arm();
  // After backward: every parameter's .grad() is the mean over ranks. Returns the seconds
  // this rank waited for communication that backward did not hide.
  double finish();
  // One all-reduce of all gradient bytes at once, timed (seconds): the communication cost
  // of a step without overlap.
  double time_full_all_reduce(int repeats);

  std::int64_t gradient_bytes() const { return bytes_; }
  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket;
  void on_grad(std::size_t param, const at::Tensor& grad);
  void launch(Bucket& b);

  DistGroup& group_;
  std::vector<at::Tensor> params_;
  std::vector<std::size_t> bucket_of_, offset_in_;  // per parameter
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<unsigned> hooks_;
  std::vector<bool> arrived_;
  bool armed_ = false;
  std::int64_t bytes_ = 0;
};

}  // namespace depthscope
