// The CUDA row mean/variance kernel against the CPU reference. Skips (reported as skipped)
// where the kernels were not built or no GPU is present.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/analysis/row_stats.h"
#include "core/runtime/device.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/row_stats.h"
#endif

namespace depthscope {
namespace {

TEST(RowStatsGpu, KernelMatchesCpuReference) {
#ifndef DEPTHSCOPE_HAVE_CUDA_KERNELS
  GTEST_SKIP() << "CUDA kernels were not built (configure with nvcc present or -DDEPTHSCOPE_CUDA=ON)";
#else
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA GPU present: " << device_report().summary();
  at::manual_seed(7);
  for (std::int64_t d : {1, 64, 255, 4096}) {
    // A large mean offset checks the two-pass variance (the residual stream of deep models).
    at::Tensor x = at::randn({300, d}) * 3.0 + 50.0;  // [rows, d]
    auto [ref_mean, ref_var] = row_mean_var_reference(x);
    at::Tensor mean = at::empty({300}), var = at::empty({300});
    const std::string err =
        kernels::row_mean_var_host(x.data_ptr<float>(), 300, d, mean.data_ptr<float>(), var.data_ptr<float>());
    ASSERT_TRUE(err.empty()) << err;
    EXPECT_TRUE(at::allclose(mean, ref_mean, 1e-5, 1e-4)) << "d=" << d;
    EXPECT_TRUE(at::allclose(var, ref_var, 1e-4, 1e-4)) << "d=" << d;
    if (at::hasCUDA()) {  // the dispatch path on CUDA tensors
      auto [m2, v2] = row_mean_var(x.to(at::kCUDA));
      EXPECT_TRUE(at::allclose(m2.cpu(), ref_mean, 1e-5, 1e-4));
      EXPECT_TRUE(at::allclose(v2.cpu(), ref_var, 1e-4, 1e-4));
    }
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
