// The fused statistics kernel and the fused RMSNorm x weight x LNS scale kernels on the device
// give the same bits as their arithmetic replayed on the host (kernels/*_math.h, itself checked
// against float64 on the CPU by tests/core/kernels/kernel_math_test.cpp), non-finite and huge
// rows included; and -- where LibTorch has CUDA -- the dispatch on CUDA tensors, on PyTorch's
// current stream, with the autograd Function's dx and dw against ATen's autograd of the
// composition. Skips (reported as skipped) without kernels or without a GPU.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/analysis/fused_formulas.h"
#include "core/analysis/row_stats.h"
#include "core/model/rms_norm_lns.h"
#include "core/runtime/device.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include <cuda_runtime.h>

#include "kernels/device_info.h"
#include "kernels/rms_norm_lns.h"
#include "kernels/rms_norm_lns_math.h"
#include "kernels/token_stats.h"
#include "kernels/token_stats_math.h"
#endif
#ifdef DEPTHSCOPE_TORCH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
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

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
namespace km = kernels::math;

std::vector<float> floats_of(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// The pack width the kernels read a row in: 16 bytes when d and the start allow it, else 1.
int pack_of(at::ScalarType t, std::int64_t d, std::int64_t offset) {
  const int n = 16 / static_cast<int>(c10::elementSize(t));
  return d % n == 0 && offset == 0 ? n : 1;
}

// Rows [rows, d] of x (and y): the device's five statistics against warp_token_stats, bit for bit.
void expect_token_stats_bits(const at::Tensor& x, const at::Tensor& y, std::int64_t offset, const std::string& where) {
  const at::ScalarType t = x.scalar_type();
  const std::int64_t rows = x.size(0), d = x.size(1);
  DeviceCopy dx(x, offset), dy(y, offset), out(5 * rows, 8);
  double* o = static_cast<double*>(out.ptr());
  const kernels::TokenStatsOutput outputs{o, o + rows, o + 2 * rows, o + 3 * rows, o + 4 * rows};
  const std::string err = kernels::token_stats_device(element_type(t), dx.ptr(), dy.ptr(), rows, d, outputs, 0, nullptr);
  ASSERT_TRUE(err.empty()) << err;
  const at::Tensor got = out.to_host(at::empty({5, rows}, at::kDouble));  // [fields, rows]
  const std::vector<float> xs = floats_of(x), ys = floats_of(y);
  for (std::int64_t r = 0; r < rows; ++r) {
    const km::RowStats want = km::warp_token_stats(xs.data() + r * d, ys.data() + r * d, d, pack_of(t, d, offset));
    const double fields[5] = {want.mean, want.variance, want.sq_norm, want.dot, want.y_sq_norm};
    for (int f = 0; f < 5; ++f) {
      const double g = got[f][r].item<double>();
      ASSERT_TRUE(std::memcmp(&g, &fields[f], sizeof g) == 0 || (std::isnan(g) && std::isnan(fields[f])))
          << where << " row " << r << " field " << f << ": device " << g << ", host " << fields[f];
    }
  }
}

TEST(FusedKernelsGpu, TokenStatsGiveTheHostArithmeticsBits) {
  DS_REQUIRE_GPU();
  at::manual_seed(11);
  const std::int64_t rows = 300;
  for (at::ScalarType t : {at::kFloat, at::kBFloat16, at::kHalf}) {
    for (std::int64_t d : {1, 7, 64, 768, 4104}) {
      for (std::int64_t offset : {0, 1}) {  // 1: rows not 16-byte aligned (element-wise path)
        const at::Tensor x = (at::randn({rows, d}) * 3.0 + 50.0).to(t);  // [rows, d]
        const at::Tensor y = (x.to(at::kFloat) * 0.5 + at::randn({rows, d})).to(t);
        expect_token_stats_bits(x, y, offset,
                                std::string(c10::toString(t)) + " d=" + std::to_string(d) + " offset=" + std::to_string(offset));
      }
    }
  }
}

// Inf, NaN and |x| > 1.8e19 (whose float32 squares overflow): the device's bits are the host's,
// whose categories tests/core/kernels checks against the CPU's rules.
TEST(FusedKernelsGpu, TokenStatsOfNonFiniteAndHugeRows) {
  DS_REQUIRE_GPU();
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  for (std::int64_t d : {1, 64}) {
    at::Tensor x = at::ones({6, d}), y = at::full({6, d}, 2.0f);
    x[0][0] = inf;
    x[1][d - 1] = -inf;
    x[2][0] = nan;
    x[3][0] = inf, x[3][d - 1] = -inf;
    x[4].fill_(3e20f);
    x[5].fill_(-1e30f), y[5].fill_(2e25f);
    expect_token_stats_bits(x, y, 0, "non-finite d=" + std::to_string(d));
    const at::Tensor variance = token_stats_reference(x, y).variance;
    EXPECT_TRUE(std::isfinite(variance[4].item<double>()));
  }
}

TEST(FusedKernelsGpu, RmsNormLnsGivesTheHostArithmeticsBits) {
  DS_REQUIRE_GPU();
  at::manual_seed(12);
  const float eps = 1e-6f, s = static_cast<float>(1.0 / std::sqrt(6.0));
  for (at::ScalarType t : {at::kFloat, at::kBFloat16}) {
    for (std::int64_t d : {1, 64, 768, 1001}) {   // 1001: rows not on 16 bytes (element-wise path)
      for (std::int64_t rows : {1, 1000, 20000}) {  // 20000: 79 partial sums for dw
        const at::Tensor x = (at::randn({rows, d}) * 2.0).to(t), w = (at::randn({d}) + 1.0).to(t);
        const at::Tensor g = at::randn({rows, d}).to(t);  // dL/dy
        DeviceCopy dx(x), dw(w), dg(g), y(rows * d, x.element_size()), inv(rows, 4);
        DeviceCopy ddx(rows * d, x.element_size()), ddw(d, x.element_size());
        DeviceCopy ws(kernels::rms_norm_lns_backward_workspace_floats(rows, d), 4);
        std::string err = kernels::rms_norm_lns_forward_device(element_type(t), dx.ptr(), dw.ptr(), rows, d, eps, s,
                                                               y.ptr(), inv.f(), 0, nullptr);
        ASSERT_TRUE(err.empty()) << err;
        err = kernels::rms_norm_lns_backward_device(element_type(t), dg.ptr(), dx.ptr(), dw.ptr(), inv.f(), rows, d, s,
                                                    ddx.ptr(), ddw.ptr(), ws.f(), 0, nullptr);
        ASSERT_TRUE(err.empty()) << err;
        const std::string where =
            std::string(c10::toString(t)) + " rows=" + std::to_string(rows) + " d=" + std::to_string(d);
        // The host's float32 results, rounded to t as the kernels store them.
        const std::vector<float> xs = floats_of(x), ws_ = floats_of(w), gs = floats_of(g);
        const int pack = pack_of(t, d, 0);
        std::vector<float> hy(static_cast<std::size_t>(rows * d)), hr(static_cast<std::size_t>(rows)),
            hdx(static_cast<std::size_t>(rows * d)), hdw(static_cast<std::size_t>(d));
        for (std::int64_t r = 0; r < rows; ++r)
          hr[static_cast<std::size_t>(r)] = km::rms_forward_row(xs.data() + r * d, ws_.data(), d, eps, s, pack, hy.data() + r * d);
        for (std::int64_t r = 0; r < rows; ++r)
          km::rms_backward_dx_row(gs.data() + r * d, xs.data() + r * d, ws_.data(), hr[static_cast<std::size_t>(r)], d, s,
                                  pack, hdx.data() + r * d);
        km::rms_backward_dw(gs.data(), xs.data(), hr.data(), rows, d, s, hdw.data());
        auto host = [&](const std::vector<float>& v, at::IntArrayRef shape) { return at::tensor(v).view(shape).to(t); };
        EXPECT_TRUE(at::equal(inv.to_host(at::empty({rows})), at::tensor(hr))) << "inv_rms " << where;
        EXPECT_TRUE(at::equal(y.to_host(x), host(hy, {rows, d}))) << "y " << where;
        EXPECT_TRUE(at::equal(ddx.to_host(x), host(hdx, {rows, d}))) << "dx " << where;
        EXPECT_TRUE(at::equal(ddw.to_host(w), host(hdw, {d}))) << "dw " << where;
      }
    }
  }
}

// Every device this process sees has a kernel image (the build's architectures cover it), or
// says why not; either way the gate answers without failing.
TEST(FusedKernelsGpu, EveryDeviceIsProbed) {
  DS_REQUIRE_GPU();
  for (int i = 0; i < kernels::cuda_device_count(); ++i)
    std::printf("[ probe    ] device %d %s: %s\n", i, kernels::cuda_device_description(i).c_str(),
                kernels::kernel_image_error(i).empty() ? "kernels run" : kernels::kernel_image_error(i).c_str());
  EXPECT_TRUE(kernels::kernel_image_error(0).empty()) << "the build's architectures should cover this GPU";
}

// Through CUDA tensors (needs a CUDA LibTorch): the dispatch, and the autograd Function's
// gradients against ATen's autograd of the composition on the CPU.
TEST(FusedKernelsGpu, DispatchOnCudaTensors) {
  DS_REQUIRE_GPU();
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
}

// On a side stream made current: the kernel runs after the ATen op that fills its input on that
// stream (a pool stream does not wait for the legacy default stream, nor it for the pool stream).
TEST(FusedKernelsGpu, KernelsRunOnPyTorchsCurrentStream) {
  DS_REQUIRE_GPU();
  if (!at::hasCUDA()) GTEST_SKIP() << "LibTorch without CUDA: no current stream to follow";
#ifdef DEPTHSCOPE_TORCH_CUDA
  const c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool(false, 0);
  c10::cuda::CUDAStreamGuard guard(side);
  for (int round = 0; round < 5; ++round) {
    at::Tensor x = at::empty({1 << 16, 1024}, at::TensorOptions().device(at::kCUDA));  // 256 MiB
    x.fill_(static_cast<float>(round + 1));                      // queued on `side`
    const TokenStats t = token_stats(x);                         // must queue behind it
    EXPECT_EQ(t.mean.min().item<double>(), round + 1.0) << "round " << round;
  }
#else
  GTEST_SKIP() << "built without DEPTHSCOPE_TORCH_CUDA";
#endif
}
#else
TEST(FusedKernelsGpu, NeedTheKernels) { DS_REQUIRE_GPU(); }
#endif

}  // namespace
}  // namespace depthscope
