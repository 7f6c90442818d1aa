#include "core/model/windowed_attention.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "core/model/causal_attention.h"

namespace depthscope {

double attention_scale(const ModelConfig& c) {
  const double scalar = c.query_pre_attn_scalar > 0 ? c.query_pre_attn_scalar : static_cast<double>(c.resolved_head_dim());
  return 1.0 / std::sqrt(scalar);
}

bool needs_windowed_attention(const ModelConfig& c, const BlockLayout& b, std::int64_t T) {
  return (b.window > 0 && b.window < T) || c.attn_softcap > 0;
}

at::Tensor soft_cap(const at::Tensor& x, double cap) { return at::tanh(x / cap) * cap; }

at::Tensor windowed_causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale,
                                     double softcap, std::int64_t window) {
  const std::int64_t H = q.size(1), T = q.size(2);
  const auto [kh, vh] = kv_per_query_head(k, v, H);  // [B, H, T, hd]
  at::Tensor scores = at::matmul(q, kh.transpose(-2, -1)) * scale;  // [B, H, T, T]
  if (softcap > 0) scores = soft_cap(scores, softcap);
  const at::Tensor i = at::arange(T, q.options().dtype(at::kLong)).unsqueeze(1);  // [T, 1] query
  const at::Tensor j = at::arange(T, q.options().dtype(at::kLong)).unsqueeze(0);  // [1, T] key
  at::Tensor hidden = j > i;                                                       // [T, T] future keys
  if (window > 0) hidden = hidden.logical_or(j <= i - window);                     // outside the window
  scores = scores.masked_fill(hidden, -std::numeric_limits<double>::infinity());
  return at::matmul(at::softmax(scores, -1), vh).transpose(1, 2).contiguous();  // [B, T, H, hd]
}

}  // namespace depthscope
