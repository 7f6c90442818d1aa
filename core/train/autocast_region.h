#pragma once
// bf16 mixed precision for the forward of a training step on CUDA: while a Bf16Autocast is
// alive, LibTorch's CUDA autocast runs GEMMs, attention and the other lower-precision-listed ops
// in bfloat16 (casting their float32 inputs, and caching the casts of the float32 leaf
// weights for the region), and keeps reductions such as softmax and norms in float32. The
// weights stay float32 masters: autograd hands their float32 gradients back through the casts.
// Backward runs after the region ends (as torch.autocast recommends), on the dtypes recorded
// in the forward.
namespace depthscope {

class Bf16Autocast {
 public:
  // on = false: a no-op (f32 training and CPU training are untouched, bit for bit).
  explicit Bf16Autocast(bool on);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool on_ = false;
  bool was_enabled_ = false;
  int previous_dtype_ = 0;  // at::ScalarType, kept as int to keep this header torch-free
};

}  // namespace depthscope
