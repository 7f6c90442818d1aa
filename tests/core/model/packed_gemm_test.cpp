// The packed-weight GEMM kernel, its weight cache and the fused attention's causal softmax
// (core/model/packed_gemm.h, softmax_rows.h) against float64 references. Skipped on a CPU
// without AVX-512, where the forward keeps at::mm and ATen's softmax, unless
// DEPTHSCOPE_PACKED_GEMM=portable runs the same arithmetic in plain C++ (ctest label
// core-portable).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/model/packed_gemm.h"
#include "core/model/softmax_rows.h"

namespace depthscope {
namespace {

#define REQUIRE_PACKED_GEMM()                                                        \
  if (!packed_gemm_enabled()) GTEST_SKIP() << "no AVX-512 (or DEPTHSCOPE_PACKED_GEMM=0; =portable runs it anywhere)"

at::Tensor randn(std::vector<std::int64_t> shape, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return at::randn(shape, gen, at::kFloat);
}

// |got - x w^T (+ b)| within the sequential float32 summation bound K eps sum_k |x||w|
// (+ |b| eps), the exact product computed in float64.
void expect_linear_close(const at::Tensor& got, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                         const std::string& what) {
  const at::Tensor x64 = x.to(at::kDouble), w64 = w.to(at::kDouble);
  at::Tensor want = at::matmul(x64, w64.t());                                 // [M, N]
  at::Tensor bound = at::matmul(x64.abs(), w64.abs().t()) * (x.size(1) + 2) * 1.2e-7 + 1e-30;
  if (b.defined()) want = want + b.to(at::kDouble), bound = bound + b.to(at::kDouble).abs() * 2.4e-7;
  const at::Tensor excess = (got.to(at::kDouble) - want).abs() - bound;
  EXPECT_LE(excess.max().item<double>(), 0.0) << what << ": max abs error "
                                              << (got.to(at::kDouble) - want).abs().max().item<double>();
}

at::Tensor packed_linear_of(const at::Tensor& x, const PackedWeight& pw, const at::Tensor& b, int threads,
                            std::int64_t pad = 0) {
  const std::int64_t M = x.size(0), N = pw.n;
  at::Tensor y = at::full({M, N + pad}, 7.0f);  // [M, N + pad]: the pad columns must stay 7
  packed_linear(x.data_ptr<float>(), M, x.stride(0), pw, b.defined() ? b.data_ptr<float>() : nullptr,
                y.data_ptr<float>(), y.stride(0), threads);
  if (pad > 0) EXPECT_TRUE(at::equal(y.narrow(1, N, pad), at::full({M, pad}, 7.0f))) << "wrote past column N";
  return y.narrow(1, 0, N);
}

TEST(PackedGemm, MatchesFloat64LinearAtEdgeShapes) {
  REQUIRE_PACKED_GEMM();
  // M around the 8-row kernel, N around the 32-column panels, K to past one k-block (4096).
  const std::int64_t Ms[] = {1, 7, 8, 13, 130}, Ns[] = {1, 31, 32, 33, 100}, Ks[] = {1, 5, 64, 300, 4100};
  std::uint64_t seed = 1;
  for (std::int64_t M : Ms)
    for (std::int64_t N : Ns)
      for (std::int64_t K : Ks) {
        const at::Tensor x = randn({M, K}, seed++), w = randn({N, K}, seed++), b = randn({N}, seed++);
        const PackedWeight pw = pack_weight(w);
        const std::string what = "M " + std::to_string(M) + " N " + std::to_string(N) + " K " + std::to_string(K);
        expect_linear_close(packed_linear_of(x, pw, at::Tensor(), 1, 5), x, w, at::Tensor(), what);
        expect_linear_close(packed_linear_of(x, pw, b, 2), x, w, b, what + " + bias, 2 threads");
      }
}

// streamed_packed_linear (GGUF blocks dequantised a panel at a time inside the kernels) gives
// packed_linear's bits over pack_weight of the same matrix: N not a multiple of 32, K past one
// k-block, rows 8 KiB apart, 1 and 2 threads, with a bias.
TEST(PackedGemm, StreamedPanelsGivePackedLinearsBits) {
  REQUIRE_PACKED_GEMM();
  for (const auto& [N, K] : std::vector<std::pair<std::int64_t, std::int64_t>>{{45, 4100}, {64, 96}, {1, 7}, {70, 2048}}) {
    const at::Tensor w = randn({N, K}, static_cast<std::uint64_t>(N * 7 + K)), x = randn({19, K}, 5), b = randn({N}, 6);
    const PackedWeight pw = pack_weight(w);
    const auto rows = [&](std::int64_t r0, std::int64_t r1, float* out, std::int64_t ld) {
      EXPECT_GE(ld, K);
      for (std::int64_t r = r0; r < r1; ++r)
        std::memcpy(out + (r - r0) * ld, w.data_ptr<float>() + r * K, static_cast<std::size_t>(K) * sizeof(float));
    };
    for (int threads : {1, 2}) {
      at::Tensor got = at::full({19, N}, 7.0f);
      streamed_packed_linear(x.data_ptr<float>(), 19, K, N, K, rows, b.data_ptr<float>(), got.data_ptr<float>(), N, threads);
      EXPECT_TRUE(at::equal(got, packed_linear_of(x, pw, b, threads))) << "N " << N << " K " << K << ", " << threads << " threads";
    }
  }
}

TEST(PackedGemm, ARowsNumbersDependOnNeitherTheOtherRowsNorTheThreads) {
  REQUIRE_PACKED_GEMM();
  const at::Tensor x = randn({37, 200}, 3), w = randn({70, 200}, 4);
  const PackedWeight pw = pack_weight(w);
  const at::Tensor all = packed_linear_of(x, pw, at::Tensor(), 1).clone();
  EXPECT_TRUE(at::equal(packed_linear_of(x, pw, at::Tensor(), 2), all));
  for (std::int64_t r : {0, 8, 36}) {
    const at::Tensor row = x.narrow(0, r, 1).contiguous();
    EXPECT_TRUE(at::equal(packed_linear_of(row, pw, at::Tensor(), 1), all.narrow(0, r, 1))) << "row " << r;
  }
  // Strided input rows (a slice of a wider matrix) give the same numbers.
  const at::Tensor wide = at::cat({x, randn({37, 9}, 5)}, 1);  // [37, 209]
  const at::Tensor view = wide.narrow(1, 0, 200);
  at::Tensor y = at::empty({37, 70});
  packed_linear(view.data_ptr<float>(), 37, view.stride(0), pw, nullptr, y.data_ptr<float>(), 70, 1);
  EXPECT_TRUE(at::equal(y, all));
}

TEST(PackedGemm, GemmRowsReadsUnpaddedRowsWithAScale) {
  REQUIRE_PACKED_GEMM();
  const std::int64_t M = 19, K = 45, N = 50;
  const at::Tensor x = randn({M, K}, 6), wt_wide = randn({K, N + 14}, 7);  // wt rows of stride N + 14
  const at::Tensor wt = wt_wide.narrow(1, 0, N);                          // [K, N]
  at::Tensor y = at::empty({M, N});
  gemm_rows(x.data_ptr<float>(), M, K, K, wt.data_ptr<float>(), wt.stride(0), N, 0.25f, y.data_ptr<float>(), N);
  expect_linear_close(y, x * 0.25, wt.t().contiguous(), at::Tensor(), "gemm_rows");
}

TEST(PackedGemm, TheCacheRepacksAChangedWeightAndFreesADeadOne) {
  REQUIRE_PACKED_GEMM();
  const at::Tensor x = randn({4, 64}, 8);
  at::Tensor w = randn({96, 64}, 9);
  const auto first = cached_packed_weight(w);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(cached_packed_weight(w).get(), first.get());  // packed once
  const std::int64_t held = packed_weight_bytes();
  EXPECT_GE(held, 96 * 64 * 4);

  w.mul_(-2.0);  // in place: the version moves on, the packed copy is stale
  const auto second = cached_packed_weight(w);
  ASSERT_NE(second.get(), first.get());
  expect_linear_close(packed_linear_of(x, *second, at::Tensor(), 1), x, w, at::Tensor(), "after mul_");

  w = at::Tensor();  // the weight is gone: its packed copy goes too
  drop_unused_packed_weights();
  EXPECT_LE(packed_weight_bytes(), held - 96 * 64 * 4);

  EXPECT_EQ(cached_packed_weight(randn({8, 8}, 10).requires_grad_(true)), nullptr);  // trained: changes each step
  EXPECT_EQ(cached_packed_weight(randn({8, 8}, 10).to(at::kBFloat16)), nullptr);   // not float32
  EXPECT_EQ(cached_packed_weight(randn({8}, 10)), nullptr);                          // not a matrix
}

// Causal softmax rows against float64: entries past a row's keys are 0, the others within
// float32's rounding of s - max and a few ulps; a NaN score makes its row NaN; a score far
// below the maximum gives 0.
TEST(PackedGemm, CausalSoftmaxRowsMatchFloat64) {
  REQUIRE_PACKED_GEMM();
  const std::int64_t rows = 21, width = 70, seen_0 = 50;
  at::Tensor s = randn({rows, width}, 11) * 8.0;
  const at::Tensor s0 = s.clone();
  causal_softmax_rows(s.data_ptr<float>(), rows, width, seen_0, width);
  for (std::int64_t i = 0; i < rows; ++i) {
    const std::int64_t n = std::min(width, seen_0 + i);
    const at::Tensor x = s0[i].narrow(0, 0, n).to(at::kDouble);
    const at::Tensor want = at::softmax(x, 0), got = s[i].narrow(0, 0, n).to(at::kDouble);
    // float32 rounds s - max (eps |s - max|), exp, the sum and the product: a few eps each.
    const at::Tensor bound = ((x.max() - x) + 6.0) * 1.2e-7;
    EXPECT_LE(((got - want).abs() / want - bound).max().item<double>(), 0.0) << "row " << i;
    if (n < width) EXPECT_TRUE(at::equal(s[i].narrow(0, n, width - n), at::zeros({width - n}))) << "row " << i;
  }
  float edge[32] = {0.0f, -200.0f, -87.0f, std::numeric_limits<float>::quiet_NaN()};
  causal_softmax_rows(edge, 1, 32, 3, 32);  // the NaN is past the row's 3 keys: zeroed
  EXPECT_EQ(edge[1], 0.0f);
  EXPECT_NEAR(edge[2], std::exp(-87.0), 1e-44);
  EXPECT_EQ(edge[3], 0.0f);
  float nan_row[4] = {0.0f, std::numeric_limits<float>::quiet_NaN(), 1.0f, 2.0f};
  causal_softmax_rows(nan_row, 1, 4, 4, 4);
  EXPECT_TRUE(std::isnan(nan_row[0]) && std::isnan(nan_row[3])) << "a NaN score makes its row NaN";
}

// The portable kernels (DEPTHSCOPE_PACKED_GEMM=portable) give the AVX-512 kernels' bits: the
// packed GEMM at edge shapes (k-blocks, tails of 8 rows and 32 columns, a bias), gemm_rows with a
// scale, the causal softmax (with NaN, -inf and huge scores) and its exp over its whole domain.
class RowKernelsSwitch {
 public:
  explicit RowKernelsSwitch(RowKernels k) : before_(row_kernels()) { ok_ = set_row_kernels(k); }
  ~RowKernelsSwitch() { set_row_kernels(before_); }
  bool ok() const { return ok_; }

 private:
  RowKernels before_;
  bool ok_ = false;
};

template <class F>
std::vector<float> with_kernels(RowKernels k, F f) {
  const RowKernelsSwitch use(k);
  EXPECT_TRUE(use.ok());
  return f();
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  std::size_t differ = 0, first = a.size();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0 && ++differ == 1) first = i;
  EXPECT_EQ(differ, 0u) << what << ": first at " << first << ": " << a[first] << " vs " << b[first];
}

std::vector<float> values(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Kernels `first` and `second` give the same bits on every entry point.
void expect_same_kernel_bits(RowKernels first, RowKernels second) {
  struct Shape { std::int64_t M, K, N; };
  for (const Shape sh : {Shape{1, 1, 1}, Shape{9, 64, 33}, Shape{17, 4100, 70}, Shape{8, 300, 32}, Shape{13, 40, 21}, Shape{7, 100, 8}}) {
    const at::Tensor x = randn({sh.M, sh.K}, 20), w = randn({sh.N, sh.K}, 21), b = randn({sh.N}, 22);
    const PackedWeight pw = pack_weight(w);
    const auto run = [&] { return values(packed_linear_of(x, pw, b, 2)); };
    expect_same_bits(with_kernels(first, run), with_kernels(second, run),
                     "packed_linear " + std::to_string(sh.M) + "x" + std::to_string(sh.K) + "x" + std::to_string(sh.N));
  }
  const std::int64_t M = 19, K = 45, N = 50;
  const at::Tensor x = randn({M, K}, 23), wt = randn({K, N}, 24);
  const auto rows = [&] {
    at::Tensor y = at::empty({M, N});
    gemm_rows(x.data_ptr<float>(), M, K, K, wt.data_ptr<float>(), N, N, 0.3f, y.data_ptr<float>(), N);
    return values(y);
  };
  expect_same_bits(with_kernels(first, rows), with_kernels(second, rows), "gemm_rows");

  at::Tensor scores = randn({23, 77}, 25) * 12.0;
  scores[3][5] = std::numeric_limits<float>::quiet_NaN();
  scores[4][0] = -std::numeric_limits<float>::infinity();
  scores[5][2] = 3e38f;
  const auto softmax = [&] {
    at::Tensor s = scores.clone();
    causal_softmax_rows(s.data_ptr<float>(), 23, 77, 40, 77);
    return values(s);
  };
  expect_same_bits(with_kernels(first, softmax), with_kernels(second, softmax),
                   "causal_softmax_rows");

  std::vector<float> xs;
  for (float v = -160.0f; v < 1.0f; v += 0.0037f) xs.push_back(v);
  xs.push_back(std::numeric_limits<float>::quiet_NaN());
  xs.push_back(-0.0f);
  const auto exps = [&] {
    std::vector<float> y(xs.size());
    softmax_exp(xs.data(), y.data(), static_cast<std::int64_t>(xs.size()));
    return y;
  };
  expect_same_bits(with_kernels(first, exps), with_kernels(second, exps), "softmax_exp");
}

TEST(PackedGemm, ThePortableKernelsGiveTheAvx512Bits) {
  if (!RowKernelsSwitch(RowKernels::avx512).ok()) GTEST_SKIP() << "no AVX-512: nothing to compare the portable kernels with";
  expect_same_kernel_bits(RowKernels::avx512, RowKernels::portable);
}

// The AVX2 kernels (6 x 16 blocks, packed_gemm_avx2.h; DEPTHSCOPE_CPU_ISA=avx2, or a CPU without
// AVX-512) give the portable kernels' bits, and so the AVX-512 kernels'.
TEST(PackedGemm, TheAvx2KernelsGiveThePortableBits) {
  if (!RowKernelsSwitch(RowKernels::avx2).ok()) GTEST_SKIP() << "no AVX2 and FMA on this CPU";
  expect_same_kernel_bits(RowKernels::avx2, RowKernels::portable);
}

}  // namespace
}  // namespace depthscope
