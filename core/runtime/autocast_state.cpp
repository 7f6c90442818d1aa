#include "core/runtime/autocast_state.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace depthscope {

bool cuda_autocast_enabled() {
  // LibTorch 2.4 replaced the CUDA-only call with a per-device one (the old one is deprecated).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

}  // namespace depthscope
