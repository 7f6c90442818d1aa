#pragma once
// The element types DepthScope's CUDA kernels read and write. Kernels accumulate in float32
// whatever they read. Plain enum: no torch and no CUDA headers (core maps at::ScalarType to it).
namespace depthscope::kernels {

enum class ElementType { f32, f16, bf16 };

}  // namespace depthscope::kernels
