#include "core/model/compute_weights.h"

#include <ATen/ATen.h>

#include "core/io/weight_slots.h"
#include "core/model/quantised_weight.h"
#include "core/model/packed_train_linear.h"
#include "core/runtime/autocast_state.h"

namespace depthscope {

at::Tensor compute_weight(const at::Tensor& t) {
  if (!t.defined()) return t;
  if (t.device().is_cpu() || is_quantised_weight(t)) return float32_weight(t);
  if (t.dim() <= 1) return t.scalar_type() == at::kFloat ? t : t.to(at::kFloat);  // [n]
  return t;  // a matrix in its own dtype
}

LayerWeights compute_layer(const LayerWeights& lw) {
  const at::Tensor& probe = lw.wq;  // every layer has a query projection
  if (!probe.defined() || probe.device().is_cpu() || is_quantised_weight(probe)) return float32_layer(lw);
  LayerWeights out;
  for (const LayerSlot& s : layer_slots()) out.*(s.member) = compute_weight(lw.*(s.member));
  return out;
}

at::Tensor linear_f32(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  // Training on the CPU: packed weights in the forward and the input gradient.
  if (packed_train_linear_applies(x, w, b)) return packed_train_linear(x, w, b);
  if (w.scalar_type() == x.scalar_type()) return at::linear(x, w, b);
  // bf16 training on CUDA: autocast already runs the GEMM in bf16 (with its cached cast of
  // the float32 weight); widening x here would only add two copies.
  if (x.is_cuda() && cuda_autocast_enabled()) return at::linear(x, w, b);
  const at::ScalarType dtype = w.scalar_type();
  const at::Tensor bias = b.defined() ? b.to(dtype) : b;
  return at::linear(x.to(dtype), w, bias).to(x.scalar_type());  // [..., out]
}

}  // namespace depthscope
