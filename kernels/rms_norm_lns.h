#pragma once
// Fused RMSNorm x weight x LNS scale over the rows of a [rows, d] activation, forward and
// backward (docs/paper.md, "The fix: LayerNorm Scaling"):
//   r = 1 / sqrt(mean_d(x^2) + eps)            per row
//   y = x * r * w * s                         s = 1/sqrt(l) in layer l under LNS, else 1
// Backward, with g = dL/dy:
//   dx = s * r * (g w - x r^2 mean_d(g w x))  per row
//   dw = s * sum_rows(g x r)
// x, y, g, dx, w and dw share one element type (f32, f16 or bf16); r and every sum are float32.
// The CPU reference is core's rms_norm_lns_*_reference (core/model/rms_norm_lns.h).
// The arithmetic is written once in kernels/rms_norm_lns_math.h (for the GPU and the CPU tests).
// Plain functions over raw device pointers: no torch and no CUDA headers here. Each runs on
// CUDA device `device`, on `stream` (a cudaStream_t passed as void*: core passes PyTorch's
// current stream of that device; nullptr is the legacy default stream), and returns an empty
// string on success, else the error text.
#include <cstdint>
#include <string>

#include "kernels/element_type.h"

namespace depthscope::kernels {

// x [rows, d], w [d] -> y [rows, d], inv_rms [rows] (float32 r, kept for the backward).
std::string rms_norm_lns_forward_device(ElementType type, const void* x, const void* w, std::int64_t rows,
                                        std::int64_t d, float eps, float s, void* y, float* inv_rms,
                                        int device, void* stream);

// Float32 scratch the backward needs for dw (partial column sums over chunks of rows).
std::int64_t rms_norm_lns_backward_workspace_floats(std::int64_t rows, std::int64_t d);

// g, x [rows, d], w [d], inv_rms [rows] (from the forward) -> dx [rows, d], dw [d].
// workspace: device float32 of rms_norm_lns_backward_workspace_floats(rows, d) elements.
std::string rms_norm_lns_backward_device(ElementType type, const void* g, const void* x, const void* w,
                                         const float* inv_rms, std::int64_t rows, std::int64_t d, float s,
                                         void* dx, void* dw, float* workspace, int device, void* stream);

}  // namespace depthscope::kernels
