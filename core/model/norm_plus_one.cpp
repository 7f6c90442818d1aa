#include "core/model/norm_plus_one.h"

namespace depthscope {

at::Tensor applied_norm_weight(const ModelConfig& c, const at::Tensor& w) {
  if (!c.norm_plus_one || !w.defined()) return w;
  return w + 1.0;  // float32, as Gemma2RMSNorm's (1.0 + self.weight.float())
}

LayerWeights with_applied_norm_weights(const ModelConfig& c, LayerWeights lw) {
  if (!c.norm_plus_one) return lw;
  for (at::Tensor* w : {&lw.attn_norm_w, &lw.mlp_norm_w, &lw.attn_out_norm_w, &lw.mlp_out_norm_w, &lw.q_norm_w,
                        &lw.k_norm_w, &lw.v_norm_w})
    *w = applied_norm_weight(c, *w);
  return lw;
}

double stored_norm_weight(const ModelConfig& c, double factor) { return c.norm_plus_one ? factor - 1.0 : factor; }

}  // namespace depthscope
