#pragma once
// Per-layer capture. The forward asks `wants(layer, site)` before handing a tensor over,
// so a probe that records only a few sites costs nothing elsewhere, and a forward with
// no probe does no statistics work at all.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace depthscope {

// Sites inside block l (1-based), in the order the forward visits them.
enum class ProbeSite {
  resid_pre,   // x_l: the block's input (residual stream)            [B, T, d]
  attn_in,     // what attention reads: LN_attn(x) / sqrt(l) under LNS; x itself for Post-LN
  attn_out,    // the update added to the residual by attention (after LayerScale / out-norm)
  resid_mid,   // h: residual stream between attention and MLP
  mlp_in,      // what the MLP reads: LN_ffn(h) / sqrt(l) under LNS
  mlp_out,     // the update added to the residual by the MLP
  resid_post,  // x_{l+1}: the block's output
};
constexpr int kProbeSiteCount = 7;
const char* to_string(ProbeSite s);

class LayerProbe {
 public:
  virtual ~LayerProbe() = default;
  virtual bool wants(std::int64_t layer, ProbeSite site) const = 0;
  // x is only valid during the call; clone or reduce it here.
  virtual void record(std::int64_t layer, ProbeSite site, const at::Tensor& x) = 0;
};

}  // namespace depthscope
