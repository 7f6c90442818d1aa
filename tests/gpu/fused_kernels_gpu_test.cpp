// The fused statistics kernel and the fused RMSNorm x weight x LNS scale kernels against their
// CPU references (fp32 within 1e-5 relative, bf16 within 1e-2), and -- where LibTorch has CUDA --
// the dispatch on CUDA tensors, including the autograd Function's dx and dw against ATen's
// autograd of the composition. Skips (reported as skipped) without kernels or without a GPU.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/analysis/fused_formulas.h"
#include "core/analysis/row_stats.h"
#include "core/model/rms_norm_lns.h"
#include "core/runtime/device.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include <cuda_runtime.h>

#include "kernels/rms_norm_lns.h"
#include "kernels/row_stats.h"
#include "kernels/token_stats.h"
#endif

namespace depthscope {
namespace {

#ifndef DEPTHSCOPE_HAVE_CUDA_KERNELS
#define DS_REQUIRE_GPU() \
  GTEST_SKIP() << "CUDA kernels were not built (configure with nvcc present or -DDEPTHSCOPE_CUDA=ON)"
#else
#define DS_REQUIRE_GPU()                                                                                    \
  do {                                                                                                      \
    if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA GPU present: " << device_report().summary(); \
  } while (0)

// Device memory holding a copy of a CPU tensor (or `bytes` of scratch), freed on scope exit.
// `offset_elements` shifts the start to test unaligned rows.
class DeviceCopy {
 public:
  explicit DeviceCopy(const at::Tensor& host, std::int64_t offset_elements = 0)
      : elem_(host.element_size()), offset_(offset_elements) {
    const at::Tensor c = host.contiguous();
    bytes_ = static_cast<size_t>(c.numel()) * elem_;
    check(cudaMalloc(&base_, bytes_ + static_cast<size_t>(offset_) * elem_ + 16));
    check(cudaMemcpy(ptr(), c.data_ptr(), bytes_, cudaMemcpyHostToDevice));
  }
  DeviceCopy(std::int64_t numel, std::int64_t elem) : elem_(elem) {
    bytes_ = static_cast<size_t>(numel) * elem_;
    check(cudaMalloc(&base_, bytes_ + 16));
  }
  ~DeviceCopy() { cudaFree(base_); }
  DeviceCopy(const DeviceCopy&) = delete;
  DeviceCopy& operator=(const DeviceCopy&) = delete;

  void* ptr() const { return static_cast<char*>(base_) + offset_ * elem_; }
  float* f() const { return static_cast<float*>(ptr()); }
  // The device memory back in a CPU tensor of `like`'s shape and dtype.
  at::Tensor to_host(const at::Tensor& like) const {
    at::Tensor out = at::empty_like(like, at::MemoryFormat::Contiguous);
    check(cudaDeviceSynchronize());
    check(cudaMemcpy(out.data_ptr(), ptr(), static_cast<size_t>(out.numel()) * out.element_size(),
                     cudaMemcpyDeviceToHost));
    return out;
  }

 private:
  static void check(cudaError_t e) { ASSERT_EQ(e, cudaSuccess) << cudaGetErrorString(e); }
  void* base_ = nullptr;
  size_t bytes_ = 0;
  std::int64_t elem_ = 4, offset_ = 0;
};

kernels::ElementType element_type(at::ScalarType t) {
  return t == at::kBFloat16 ? kernels::ElementType::bf16
                            : t == at::kHalf ? kernels::ElementType::f16 : kernels::ElementType::f32;
}

// |a - b| <= tol * (|b| + 0.1 max|b|): relative, with a floor for entries near 0 (a dot product
// or a weight gradient that sums to almost nothing).
::testing::AssertionResult close(const at::Tensor& a, const at::Tensor& b, double tol) {
  const at::Tensor ad = a.to(at::kDouble).cpu(), bd = b.to(at::kDouble).cpu();
  const double floor = 0.1 * bd.abs().max().item<double>();
  const at::Tensor excess = (ad - bd).abs() - tol * (bd.abs() + floor);
  const double worst = excess.max().item<double>();
  if (worst <= 0) return ::testing::AssertionSuccess();
  const double rel = ((ad - bd).abs() / (bd.abs() + floor)).max().item<double>();
  return ::testing::AssertionFailure() << "max relative difference " << rel << " > " << tol;
}
#endif

TEST(FusedKernelsGpu, TokenStatsMatchesTheCpuReference) {
  DS_REQUIRE_GPU();
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  at::manual_seed(11);
  const std::int64_t rows = 300;
  for (at::ScalarType t : {at::kFloat, at::kBFloat16, at::kHalf}) {
    const double tol = t == at::kFloat ? 1e-5 : 1e-2;
    for (std::int64_t d : {1, 7, 64, 768, 4104}) {
      for (std::int64_t offset : {0, 1}) {  // 1: rows not 16-byte aligned (element-wise path)
        // A large mean offset checks the variance where E[x^2] - E[x]^2 would cancel.
        const at::Tensor x = (at::randn({rows, d}) * 3.0 + 50.0).to(t);         // [rows, d]
        const at::Tensor y = (x.to(at::kFloat) * 0.5 + at::randn({rows, d})).to(t);
        const TokenStats ref = token_stats_reference(x, y);  // from the same rounded inputs
        DeviceCopy dx(x, offset), dy(y, offset), out(5 * rows, 4);
        kernels::TokenStatsOutput o{out.f(), out.f() + rows, out.f() + 2 * rows, out.f() + 3 * rows,
                                    out.f() + 4 * rows};
        const std::string err =
            kernels::token_stats_device(element_type(t), dx.ptr(), dy.ptr(), rows, d, o, 0, nullptr);
        ASSERT_TRUE(err.empty()) << err;
        const at::Tensor got = out.to_host(at::empty({5, rows}));  // [fields, rows]
        const std::string where = std::string(c10::toString(t)) + " d=" + std::to_string(d) +
                                  " offset=" + std::to_string(offset);
        EXPECT_TRUE(close(got[0], ref.mean, tol)) << "mean " << where;
        if (d > 1) EXPECT_TRUE(close(got[1], ref.variance, tol)) << "variance " << where;
        EXPECT_TRUE(close(got[2], ref.sq_norm, tol)) << "sq_norm " << where;
        EXPECT_TRUE(close(got[3], ref.dot, tol)) << "dot " << where;
        EXPECT_TRUE(close(got[4], ref.y_sq_norm, tol)) << "y_sq_norm " << where;
      }
    }
  }
#endif
}

TEST(FusedKernelsGpu, TokenStatsKeepsNonFiniteTokens) {
  DS_REQUIRE_GPU();
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  const float inf = std::numeric_limits<float>::infinity();
  const at::Tensor x = at::tensor({inf, 1.f, 2.f, 2.f, std::nanf(""), 1.f, 1.f, 3.f}).view({4, 2});
  DeviceCopy dx(x), out(3 * 4, 4);
  kernels::TokenStatsOutput o{out.f(), out.f() + 4, out.f() + 8, nullptr, nullptr};
  ASSERT_TRUE(kernels::token_stats_device(kernels::ElementType::f32, dx.ptr(), nullptr, 4, 2, o, 0, nullptr).empty());
  const at::Tensor var = out.to_host(at::empty({3, 4}))[1];
  EXPECT_EQ(var[0].item<float>(), inf);
  EXPECT_EQ(var[1].item<float>(), 0.f);
  EXPECT_TRUE(std::isnan(var[2].item<float>()));
  EXPECT_FLOAT_EQ(var[3].item<float>(), 1.f);
#endif
}

TEST(FusedKernelsGpu, RmsNormLnsMatchesTheCpuReference) {
  DS_REQUIRE_GPU();
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  at::manual_seed(12);
  const double eps = 1e-6, s = 1.0 / std::sqrt(6.0);
  for (at::ScalarType t : {at::kFloat, at::kBFloat16}) {
    const double tol = t == at::kFloat ? 1e-5 : 1e-2;
    for (std::int64_t d : {64, 768, 1001}) {       // 1001: rows not on 16 bytes (element-wise path)
      for (std::int64_t rows : {1, 1000, 20000}) {  // 20000: 79 partial sums for dw
        const at::Tensor x = (at::randn({rows, d}) * 2.0).to(t), w = (at::randn({d}) + 1.0).to(t);
        const at::Tensor g = at::randn({rows, d}).to(t);  // dL/dy
        // The references in float64 from the same (rounded) inputs: only the kernel's error shows.
        const at::Tensor xd = x.to(at::kDouble), wd = w.to(at::kDouble), gd = g.to(at::kDouble);
        const RmsNormLnsForward ref = rms_norm_lns_forward_reference(xd, wd, eps, s);
        const RmsNormLnsGrads ref_g = rms_norm_lns_backward_reference(gd, xd, wd, ref.inv_rms, s);
        DeviceCopy dx(x), dw(w), dg(g), y(rows * d, x.element_size()), inv(rows, 4);
        DeviceCopy ddx(rows * d, x.element_size()), ddw(d, x.element_size());
        DeviceCopy ws(kernels::rms_norm_lns_backward_workspace_floats(rows, d), 4);
        std::string err = kernels::rms_norm_lns_forward_device(element_type(t), dx.ptr(), dw.ptr(), rows, d,
                                                               static_cast<float>(eps), static_cast<float>(s),
                                                               y.ptr(), inv.f(), 0, nullptr);
        ASSERT_TRUE(err.empty()) << err;
        err = kernels::rms_norm_lns_backward_device(element_type(t), dg.ptr(), dx.ptr(), dw.ptr(), inv.f(), rows, d,
                                                    static_cast<float>(s), ddx.ptr(), ddw.ptr(), ws.f(), 0, nullptr);
        ASSERT_TRUE(err.empty()) << err;
        const std::string where =
            std::string(c10::toString(t)) + " rows=" + std::to_string(rows) + " d=" + std::to_string(d);
        EXPECT_TRUE(close(y.to_host(x), ref.y, tol)) << "y " << where;
        EXPECT_TRUE(close(inv.to_host(at::empty({rows})), ref.inv_rms, 1e-5)) << "inv_rms " << where;
        EXPECT_TRUE(close(ddx.to_host(x), ref_g.dx, tol)) << "dx " << where;
        EXPECT_TRUE(close(ddw.to_host(w), ref_g.dw, tol)) << "dw " << where;
      }
    }
  }
#endif
}

// Through CUDA tensors (needs a CUDA LibTorch): the dispatch, and the autograd Function's
// gradients against ATen's autograd of the composition on the CPU.
TEST(FusedKernelsGpu, DispatchOnCudaTensors) {
  DS_REQUIRE_GPU();
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  if (!at::hasCUDA()) GTEST_SKIP() << "LibTorch without CUDA: the tensor dispatch cannot be exercised";
  at::manual_seed(13);
  const at::Tensor x_in = at::randn({1, 256, 768}) * 2.0 + 0.3, x_out = x_in + at::randn({1, 256, 768});
  const TokenStats ref = token_stats_reference(x_out, x_in);
  const TokenStats got = token_stats(x_out.cuda(), x_in.cuda());
  EXPECT_TRUE(got.mean.is_cuda());
  EXPECT_TRUE(close(got.variance, ref.variance, 1e-5));
  EXPECT_TRUE(close(got.dot, ref.dot, 1e-5));
  const formulas::TokenSums s_in_cpu = formulas::token_sums(x_in);
  const fused::BlockOutputSums cpu = fused::block_output_sums(x_in, s_in_cpu, x_out);
  const fused::BlockOutputSums gpu = fused::block_output_sums(x_in.cuda(), fused::token_sums(x_in.cuda()), x_out.cuda());
  EXPECT_TRUE(close(gpu.cosine, cpu.cosine, 1e-5));
  EXPECT_NEAR(fused::element_moments(x_out.cuda()).variance(), formulas::element_moments(x_out).variance(),
              1e-5 * formulas::element_moments(x_out).variance());
  EXPECT_TRUE(close(fused::angular_distance(x_in.cuda(), x_out.cuda()), formulas::angular_distance(x_in, x_out), 1e-4));

  for (at::ScalarType t : {at::kFloat, at::kBFloat16}) {
    const double tol = t == at::kFloat ? 1e-5 : 1e-2;
    const double s = 1.0 / std::sqrt(3.0);
    const at::Tensor x0 = (at::randn({4, 64, 768}) * 2.0).to(t), w0 = (at::randn({768}) + 1.0).to(t);
    const at::Tensor gy = at::randn({4, 64, 768}).to(t);
    const at::Tensor xa = x0.cuda().requires_grad_(true), wa = w0.cuda().requires_grad_(true);
    const at::Tensor ya = rms_norm_lns(xa, wa, 1e-6, s);  // the fused Function on CUDA
    (ya * gy.cuda()).sum().backward();
    // ATen's autograd of the composition on the CPU, in float32.
    const at::Tensor xb = x0.to(at::kFloat).requires_grad_(true), wb = w0.to(at::kFloat).requires_grad_(true);
    const at::Tensor yb = rms_norm_lns_composition(xb, wb, 1e-6, s);
    (yb * gy.to(at::kFloat)).sum().backward();
    EXPECT_TRUE(close(ya.detach().cpu(), yb.detach(), tol)) << "y " << c10::toString(t);
    EXPECT_TRUE(close(xa.grad().cpu(), xb.grad(), tol)) << "dx " << c10::toString(t);
    EXPECT_TRUE(close(wa.grad().cpu(), wb.grad(), tol)) << "dw " << c10::toString(t);
  }
#endif
}

}  // namespace
}  // namespace depthscope
