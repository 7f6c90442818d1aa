#pragma once
// Weights as the Transformer's forward uses them, by device. The activations (residual
// stream, norms, attention, everything the analyses measure) are float32 on every device.
//   CPU: every weight widened to float32 for the call (float32_weight: exact, one layer at a
//        time, through the widening pool) -- unchanged.
//   GPU: matrices stay in their dtype; a GEMM with an F16/BF16 matrix runs in that dtype (its
//        float32 input rounded to it, cuBLAS accumulating in float32) and its output is
//        widened back to float32, as PyTorch runs a half-precision model. Vectors (norm
//        weights, biases, layerscale) are widened; they are a few KB. Nothing is widened
//        as a whole layer, so a BF16 model takes 2 bytes per weight on the GPU.
// A float32 model computes in float32 everywhere.
#include <ATen/core/Tensor.h>

#include "core/model/weights.h"

namespace depthscope {

// One weight ready for compute on its device (see above); undefined stays undefined.
at::Tensor compute_weight(const at::Tensor& t);
// Every tensor of a layer through compute_weight (float32_layer on the CPU).
LayerWeights compute_layer(const LayerWeights& lw);

// y = x w^T + b with x float32 [..., in], w [out, in], b [out] (optional) -> float32 [..., out].
// When w is F16/BF16 the product runs in w's dtype and is widened (see above).
at::Tensor linear_f32(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {});

}  // namespace depthscope
