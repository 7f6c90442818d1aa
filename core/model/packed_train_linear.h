#pragma once
// y = x W^T + b in training on the CPU (issue 25): the forward product and the input gradient
// through the packed kernel (packed_gemm.h), the weight gradient by at::mm.
//   forward   y [M, N]  = x [M, K] W^T          W packed once per step (panels of W)
//   backward  dx [M, K] = dy [M, N] W           through W^T packed once per step
//             dW [N, K] = dy^T [N, M] x [M, K]  at::mm (a sum over M: BLAS's blocking is right)
//             db [N]    = sum over M of dy
// "Once per step": the packed copies are kept per weight with its data pointer and version, and
// the optimizer's update bumps the version (core/train/adam.cpp), so the first product after an
// update packs again and every other product of that step reuses the copy. A row's numbers do
// not depend on the other rows or on the thread count (packed_gemm.h).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace depthscope {

// Off by default: measured on this project's 2-core AVX-512 VMs it gave no gain at 12 x 256 with
// 4 x 256 tokens and cost about 15 % at the LLaMA-130M shape with 1 x 256 (docs/benchmarks.md,
// "Training close to the machine's limit"): OpenBLAS's blocking of the same GEMMs is as fast at
// these heights. DEPTHSCOPE_PACKED_TRAIN=1 turns it on (read once), to measure it again.
bool packed_training_enabled();
// Tests: turns it on or off for this process.
void set_packed_training(bool on);

// True where packed_train_linear runs: packed_training_enabled(), packed kernels on (packed_gemm_enabled), grad mode on,
// x and W float32 on the CPU, W [N, K] a trainable (requires grad) matrix, b absent or [N].
bool packed_train_linear_applies(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// x [..., K], W [N, K], b [N] or undefined -> [..., N], differentiable in x, W and b.
at::Tensor packed_train_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// Bytes held by the packed copies of trainable weights (two per weight: W and W^T).
std::int64_t packed_train_weight_bytes();

}  // namespace depthscope
