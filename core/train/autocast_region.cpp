#include "core/train/autocast_region.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "core/runtime/autocast_state.h"

namespace depthscope {

// LibTorch 2.4 replaced the CUDA-only calls with per-device ones (the old ones are deprecated).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define DS_AUTOCAST_PER_DEVICE 1
#endif

namespace {

void set_cuda_autocast(bool enabled, at::ScalarType dtype) {
#ifdef DS_AUTOCAST_PER_DEVICE
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(enabled);
#endif
}

at::ScalarType cuda_autocast_dtype() {
#ifdef DS_AUTOCAST_PER_DEVICE
  return at::autocast::get_autocast_dtype(at::kCUDA);
#else
  return at::autocast::get_autocast_gpu_dtype();
#endif
}

}  // namespace

Bf16Autocast::Bf16Autocast(bool on) : on_(on) {
  if (!on_) return;
  was_enabled_ = cuda_autocast_enabled();
  previous_dtype_ = static_cast<int>(cuda_autocast_dtype());
  set_cuda_autocast(true, at::kBFloat16);
  at::autocast::increment_nesting();
}

Bf16Autocast::~Bf16Autocast() {
  if (!on_) return;
  // The cached bf16 casts of the weights belong to this forward: the next step's weights differ.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_cuda_autocast(was_enabled_, static_cast<at::ScalarType>(previous_dtype_));
}

}  // namespace depthscope
