#pragma once
// What layer_statistics (core/analysis/layer_stats.h) accumulates from one window passing one
// layer, as a unit of its per-window loop. Everything stays on the activations' device: nothing
// here reads a number to the host, so on a GPU the loop never waits for the device (a meta-device
// test runs it: meta tensors throw on any read). LayerAccumulator::finish reads the sums once
// every window is in.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/analysis/deferred_sums.h"
#include "core/analysis/formulas.h"
#include "core/analysis/layer_stats.h"

namespace depthscope {

class Transformer;

// Everything accumulated for one layer over all windows.
struct LayerAccumulator {
  DeferredMoments input, output, attn_in, mlp_in;
  TokenMean input_token_var, output_token_var, attn_ratio, mlp_ratio, cosine, lens_nll;
  // The statistics of layer l from the sums (reads them all with one copy: the sync is here).
  LayerStats finish(std::int64_t l, bool logit_lens) const;
  // The same through a HostRead shared with other reads: queue(r, ...) before r.read(),
  // finish(l, ..., r) after, in the same order.
  void queue(HostRead& r, bool logit_lens) const;
  LayerStats finish(std::int64_t l, bool logit_lens, HostRead& r) const;
};

// Layer l on one window: x_out = block(l, x_in) with the block's internal sites reduced as the
// forward visits them, the moments, per-token variances and cosine of x_l and x_{l+1}, and
// (logit_lens) the next-token NLL of head(x_{l+1}) against tokens [1, T] (on the model's
// device, so that no copy waits). s is x_in's token sums on entry and x_out's on return.
// x_in [1, T, d] -> x_{l+1} [1, T, d].
at::Tensor window_through_layer(const Transformer& model, std::int64_t l, const at::Tensor& x_in,
                                formulas::TokenSums& s, const at::Tensor& tokens, bool logit_lens,
                                LayerAccumulator& acc);

// d(k, l+1) of one window: the angular distance of x_k and x_{l+1} [1, T, d] per token into
// all, and at the window's last token into last.
void window_angular_distance(const at::Tensor& x_k, const at::Tensor& x_out, TokenMean& all, TokenMean& last);

}  // namespace depthscope
