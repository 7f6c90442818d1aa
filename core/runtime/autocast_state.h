#pragma once
// Whether LibTorch's CUDA autocast is on for this thread (bf16 mixed-precision training turns
// it on around the forward: core/train/autocast_region.h). Torch-free header.
namespace depthscope {

bool cuda_autocast_enabled();

}  // namespace depthscope
