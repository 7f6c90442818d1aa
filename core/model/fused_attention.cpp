#include "core/model/fused_attention.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include "core/error.h"
#include "core/model/causal_attention.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define DS_HAVE_SDPA 1
#endif

namespace depthscope {

bool fused_attention_available(const at::Tensor& q) {
#ifdef DS_HAVE_SDPA
  return q.is_cuda();
#else
  (void)q;
  return false;
#endif
}

at::Tensor fused_causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
#ifdef DS_HAVE_SDPA
  const auto [kh, vh] = kv_per_query_head(k, v, q.size(1));  // grouped-query heads: [B, H, T, hd]
  // Under bf16 autocast the inputs are cast to bfloat16 (FlashAttention); f32 runs the
  // memory-efficient or math kernel.
  return at::scaled_dot_product_attention(q, kh, vh, /*attn_mask=*/{}, /*dropout_p=*/0.0, /*is_causal=*/true, scale)
      .transpose(1, 2)
      .contiguous();  // [B, T, H, hd]
#else
  (void)q, (void)k, (void)v, (void)scale;
  throw UsageError("fused causal attention needs LibTorch 2.1 or newer with CUDA (this is LibTorch " TORCH_VERSION ")");
#endif
}

}  // namespace depthscope
