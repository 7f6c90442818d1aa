#include "core/model/fold_lns.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "core/error.h"

namespace depthscope {

std::string fold_lns_problem(const ModelConfig& c) {
  const std::string name = display_name(c.norm_scheme);
  if (c.gpas)
    return "the GPAS add-on's gates (x <- x - SiLU(g) x) have no place in a plain Pre-LN checkpoint";
  if (c.norm_plus_one)
    return "Gemma's norms multiply by (1 + w): scaling the stored w would not scale the norm";
  switch (c.norm_scheme) {
    case NormScheme::lns:
    case NormScheme::lns_gamma:
    case NormScheme::pre:
      return "";
    case NormScheme::post:
    case NormScheme::mix:
    case NormScheme::deepnorm:
      return name + " normalises after the residual addition; there is no 1/sqrt(l) to fold";
    default:
      return name + " is not LNS: its blocks are not Pre-LN blocks with a scaled norm, so folding "
                    "would not give a plain Pre-LN model with the same logits";
  }
}

FoldedModel fold_lns(const ModelConfig& c, const ModelWeights& w) {
  if (const std::string problem = fold_lns_problem(c); !problem.empty())
    throw UsageError("cannot fold LNS into a Pre-LN checkpoint: " + problem);
  at::NoGradGuard no_grad;
  FoldedModel out{c, clone_weights(w, c)};
  for (std::int64_t l = 1; l <= c.num_layers; ++l) {
    const double s = lns_scale(c, l);  // 1/sqrt(l) under LNS, 1 otherwise
    if (s == 1.0) continue;
    LayerWeights& lw = out.weights.layers[static_cast<std::size_t>(l - 1)];
    for (at::Tensor* t : {&lw.attn_norm_w, &lw.attn_norm_b, &lw.mlp_norm_w, &lw.mlp_norm_b})
      if (t->defined()) t->mul_(s);  // [d]
  }
  out.config.norm_scheme = NormScheme::pre;  // the final norm is never scaled: unchanged
  return out;
}

}  // namespace depthscope
