// row_mean_var on CUDA tensors (the fused statistics kernel's mean and variance, in the tensor's
// dtype) against the CPU reference. Skips (reported as skipped) where the kernels were not
// built, no GPU is present or LibTorch has no CUDA.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/analysis/row_stats.h"
#include "core/runtime/device.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/device_info.h"
#endif

namespace depthscope {
namespace {

TEST(RowStatsGpu, KernelMatchesCpuReference) {
#ifndef DEPTHSCOPE_HAVE_CUDA_KERNELS
  GTEST_SKIP() << "CUDA kernels were not built (configure with nvcc present or -DDEPTHSCOPE_CUDA=ON)";
#else
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA GPU present: " << device_report().summary();
  if (!at::hasCUDA()) GTEST_SKIP() << "LibTorch without CUDA: no CUDA tensors";
  at::manual_seed(7);
  for (std::int64_t d : {1, 64, 255, 4096}) {
    // A large mean offset checks the variance where E[x^2] - E[x]^2 would cancel.
    at::Tensor x = at::randn({300, d}) * 3.0 + 50.0;  // [rows, d]
    auto [ref_mean, ref_var] = row_mean_var_reference(x);
    auto [mean, var] = row_mean_var(x.to(at::kCUDA));
    EXPECT_EQ(mean.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::allclose(mean.cpu(), ref_mean, 1e-6, 1e-5)) << "d=" << d;
    EXPECT_TRUE(at::allclose(var.cpu(), ref_var, 1e-5, 1e-5)) << "d=" << d;
  }
#endif
}

TEST(RowStatsGpu, ReferenceIsPopulationVariance) {
  at::Tensor x = at::tensor({1.f, 2.f, 3.f, 4.f}).view({1, 4});
  auto [mean, var] = row_mean_var(x);
  EXPECT_FLOAT_EQ(mean.item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(var.item<float>(), 1.25f);
}

}  // namespace
}  // namespace depthscope
