// The CUDA kernels' arithmetic (kernels/token_stats_math.h, kernels/rms_norm_lns_math.h), run on
// the CPU as the kernels run it -- every lane's sums in the kernel's order, then the warp's
// butterfly -- against float64 references and the CPU's non-finite rules (formulas.cpp). The gpu
// tests (tests/gpu) then check only that the device gives the same bits as these functions.
// Compiled with -ffp-contract=off (tests/CMakeLists.txt), as the kernels with --fmad=false.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/analysis/row_stats.h"
#include "core/model/rms_norm_lns.h"
#include "kernels/rms_norm_lns_math.h"
#include "kernels/token_stats_math.h"

namespace depthscope {
namespace {

namespace km = kernels::math;

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// The pack widths the kernels read rows in: 1 (unaligned rows), 4 floats or 8 halves.
constexpr int kPacks[] = {1, 4, 8};

std::vector<float> values_of(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// Same non-finite category (NaN, +Inf, -Inf) or both finite.
::testing::AssertionResult same_class(double got, double want, const std::string& what) {
  const bool ok = std::isnan(want) ? std::isnan(got)
                  : std::isinf(want) ? got == want
                                     : std::isfinite(got);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": got " << got << ", the CPU gives " << want;
}

// A row's statistics in long double, two passes: the reference for finite rows.
km::RowStats exact_stats(const std::vector<float>& x, const std::vector<float>& y) {
  long double s = 0, sq = 0, dot = 0, yy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    s += x[i];
    sq += static_cast<long double>(x[i]) * x[i];
    if (!y.empty()) dot += static_cast<long double>(x[i]) * y[i], yy += static_cast<long double>(y[i]) * y[i];
  }
  const long double mean = s / static_cast<long double>(x.size());
  long double m2 = 0;
  for (float v : x) m2 += (v - mean) * (v - mean);
  return {static_cast<double>(mean), static_cast<double>(m2 / x.size()), static_cast<double>(sq),
          static_cast<double>(dot), static_cast<double>(yy)};
}

TEST(KernelMath, TokenStatsMatchFloat64OnFiniteRows) {
  at::manual_seed(5);
  for (std::int64_t d : {1, 7, 64, 768, 4104}) {
    for (double offset : {0.0, 50.0, 1e4}) {  // |mean| >> std: E[x^2] - E[x]^2 would cancel
      const std::vector<float> x = values_of(at::randn({d}) * 3.0 + offset);
      const std::vector<float> y = values_of(at::randn({d}));
      const km::RowStats want = exact_stats(x, y);
      for (int pack : kPacks) {
        const km::RowStats got = km::warp_token_stats(x.data(), y.data(), d, pack);
        const std::string where = "d=" + std::to_string(d) + " offset=" + std::to_string(offset) +
                                  " pack=" + std::to_string(pack);
        EXPECT_NEAR(got.mean, want.mean, 1e-14 * (std::abs(offset) + 3.0)) << where;
        EXPECT_NEAR(got.variance, want.variance, 1e-12 * want.variance + 1e-16 * offset * offset) << where;
        EXPECT_NEAR(got.sq_norm, want.sq_norm, 1e-13 * want.sq_norm) << where;
        EXPECT_NEAR(got.dot, want.dot, 1e-13 * std::sqrt(want.sq_norm * want.y_sq_norm)) << where;
        EXPECT_NEAR(got.y_sq_norm, want.y_sq_norm, 1e-13 * want.y_sq_norm) << where;
        if (d == 1) EXPECT_EQ(got.variance, 0.0) << where;
      }
    }
  }
}

// |x| > 1.8e19 squares past float32's range: the float64 sums stay finite, as the CPU's.
TEST(KernelMath, TokenStatsOfHugeFiniteValuesStayFinite) {
  for (float scale : {1e19f, 3e20f, 1e30f, 3e38f}) {
    for (std::int64_t d : {1, 64}) {
      std::vector<float> x(static_cast<std::size_t>(d)), y(static_cast<std::size_t>(d));
      for (std::int64_t i = 0; i < d; ++i) x[i] = scale * (i % 3 == 0 ? -1.0f : 0.5f), y[i] = scale * 0.25f;
      const km::RowStats want = exact_stats(x, y);
      const TokenStats cpu = token_stats_reference(at::tensor(x).view({1, d}), at::tensor(y).view({1, d}));
      for (int pack : kPacks) {
        const km::RowStats got = km::warp_token_stats(x.data(), y.data(), d, pack);
        const std::string where = "scale=" + std::to_string(scale) + " d=" + std::to_string(d);
        ASSERT_TRUE(std::isfinite(got.sq_norm) && std::isfinite(got.variance) && std::isfinite(got.dot)) << where;
        EXPECT_NEAR(got.sq_norm, want.sq_norm, 1e-13 * want.sq_norm) << where;
        EXPECT_NEAR(got.variance, want.variance, 1e-12 * want.sq_norm / d) << where;
        EXPECT_NEAR(got.dot, want.dot, 1e-13 * std::abs(want.dot)) << where;
        EXPECT_NEAR(got.sq_norm, cpu.sq_norm.item<double>(), 1e-13 * want.sq_norm) << where;
      }
    }
  }
}

// Rows holding NaN or +/-Inf: every statistic in the category the CPU gives (formulas.cpp):
// the mean a plain sum's, the variance NaN with a NaN, else +Inf with an infinite element.
TEST(KernelMath, TokenStatsOfNonFiniteRowsFollowTheCpuRules) {
  struct Case {
    std::vector<std::pair<std::int64_t, float>> put;  // (index, value) into a row of ones
    const char* what;
  };
  const std::vector<Case> cases = {
      {{{0, kInf}}, "+Inf first (a lane's shift)"},
      {{{5, -kInf}}, "-Inf"},
      {{{3, kInf}, {40, -kInf}}, "+Inf and -Inf"},
      {{{0, kNaN}}, "NaN first"},
      {{{9, kNaN}, {2, kInf}}, "NaN and +Inf"},
      {{{31, kInf}, {63, kInf}}, "two +Inf in one lane's packs"},
  };
  for (std::int64_t d : {1, 64}) {
    for (const Case& c : cases) {
      std::vector<float> x(static_cast<std::size_t>(d), 1.0f), y(static_cast<std::size_t>(d), 2.0f);
      for (auto [i, v] : c.put)
        if (i < d) x[static_cast<std::size_t>(i)] = v;
      const TokenStats cpu = token_stats_reference(at::tensor(x).view({1, d}), at::tensor(y).view({1, d}));
      for (int pack : kPacks) {
        const km::RowStats got = km::warp_token_stats(x.data(), y.data(), d, pack);
        const std::string where = std::string(c.what) + " d=" + std::to_string(d) + " pack=" + std::to_string(pack);
        EXPECT_TRUE(same_class(got.mean, cpu.mean.item<double>(), "mean " + where));
        EXPECT_TRUE(same_class(got.variance, cpu.variance.item<double>(), "variance " + where));
        EXPECT_TRUE(same_class(got.sq_norm, cpu.sq_norm.item<double>(), "sq_norm " + where));
        EXPECT_TRUE(same_class(got.dot, cpu.dot.item<double>(), "dot " + where));
        if (std::isfinite(cpu.mean.item<double>()))
          EXPECT_DOUBLE_EQ(got.mean, cpu.mean.item<double>()) << where;
      }
    }
  }
}

// --- RMSNorm x weight x LNS scale -------------------------------------------------------------

struct RmsCase {
  std::int64_t rows, d;
  float s;
};

TEST(KernelMath, RmsNormLnsForwardMatchesFloat64) {
  at::manual_seed(6);
  const float eps = 1e-5f;
  for (RmsCase c : {RmsCase{3, 1, 1.0f}, RmsCase{5, 64, 0.5f}, RmsCase{4, 7, 1.0f}, RmsCase{2, 768, 0.25f}}) {
    const at::Tensor xt = at::randn({c.rows, c.d}) * 2.0 + 1.0, wt = at::randn({c.d});
    const std::vector<float> x = values_of(xt), w = values_of(wt);
    const at::Tensor x64 = xt.to(at::kDouble), w64 = wt.to(at::kDouble);
    const at::Tensor r64 = at::rsqrt(x64.pow(2).mean({-1}) + eps);                  // [rows]
    const at::Tensor y64 = x64 * r64.unsqueeze(-1) * w64 * static_cast<double>(c.s);  // [rows, d]
    for (int pack : kPacks) {
      for (std::int64_t row = 0; row < c.rows; ++row) {
        std::vector<float> y(static_cast<std::size_t>(c.d));
        const float r = km::rms_forward_row(x.data() + row * c.d, w.data(), c.d, eps, c.s, pack, y.data());
        const std::string where = "d=" + std::to_string(c.d) + " pack=" + std::to_string(pack);
        // float32 sums of d squares (per lane, then 5 tree levels), a division, a square root.
        const double rel = (static_cast<double>(c.d) / 32 + 10) * 6e-8;
        EXPECT_NEAR(r, r64[row].item<double>(), rel * r64[row].item<double>()) << where;
        for (std::int64_t j = 0; j < c.d; ++j) {
          const double want = y64[row][j].item<double>();
          ASSERT_NEAR(y[static_cast<std::size_t>(j)], want, (rel + 4 * 6e-8) * std::abs(want) + 1e-30) << where << " j=" << j;
        }
      }
    }
  }
}

// Beyond float32's range of squares the kernel does what the CPU reference for float32 does
// (core/model/rms_norm_lns.h computes in float32 too): r = 0.
TEST(KernelMath, RmsNormLnsForwardOfHugeValuesIsTheCpuReferences) {
  const std::vector<float> x = {3e19f, -1e20f, 2.0f, 4e20f}, w = {1.0f, 2.0f, 3.0f, 4.0f};
  const RmsNormLnsForward ref = rms_norm_lns_forward_reference(at::tensor(x).view({1, 4}), at::tensor(w), 1e-5, 1.0);
  std::vector<float> y(4);
  const float r = km::rms_forward_row(x.data(), w.data(), 4, 1e-5f, 1.0f, 1, y.data());
  EXPECT_EQ(r, ref.inv_rms[0].item<float>());
  for (int j = 0; j < 4; ++j) EXPECT_EQ(y[static_cast<std::size_t>(j)], ref.y[0][j].item<float>()) << j;
}

// Rows holding Inf or NaN: the kernel's r and y fall in the same non-finite class (NaN, +Inf,
// -Inf, finite) as the CPU reference's, element by element, at every pack width.
TEST(KernelMath, RmsNormLnsForwardOfNonFiniteRowsIsTheCpuReferences) {
  const std::vector<std::vector<float>> rows = {{kInf, 1.0f, 2.0f, 3.0f},   {1.0f, -kInf, 0.0f, 2.0f},
                                                {kNaN, 1.0f, 2.0f, 3.0f},   {kInf, -kInf, 1.0f, 1.0f},
                                                {0.0f, 0.0f, 0.0f, kNaN},   {0.0f, 0.0f, 0.0f, 0.0f}};
  const std::vector<float> w = {1.0f, -2.0f, 0.5f, 0.0f};
  for (const std::vector<float>& x : rows) {
    const RmsNormLnsForward ref = rms_norm_lns_forward_reference(at::tensor(x).view({1, 4}), at::tensor(w), 1e-5, 0.5);
    for (int pack : kPacks) {
      std::vector<float> y(4);
      const float r = km::rms_forward_row(x.data(), w.data(), 4, 1e-5f, 0.5f, pack, y.data());
      const std::string where = "row " + std::to_string(&x - rows.data()) + " pack " + std::to_string(pack);
      EXPECT_TRUE(same_class(r, ref.inv_rms[0].item<double>(), where + " r"));
      for (int j = 0; j < 4; ++j)
        EXPECT_TRUE(same_class(y[static_cast<std::size_t>(j)], ref.y[0][j].item<double>(), where + " y" + std::to_string(j)));
    }
  }
}

TEST(KernelMath, RmsNormLnsBackwardMatchesFloat64) {
  at::manual_seed(7);
  // 600 rows: three dw chunks of 256 (the last short), Kahan-summed.
  for (RmsCase c : {RmsCase{1, 1, 1.0f}, RmsCase{9, 64, 0.5f}, RmsCase{600, 7, 1.0f}, RmsCase{40, 768, 0.25f}}) {
    const at::Tensor xt = at::randn({c.rows, c.d}) + 0.5, wt = at::randn({c.d}), gt = at::randn({c.rows, c.d});
    const at::Tensor rt = at::rsqrt(xt.pow(2).mean({-1}) + 1e-5).to(at::kFloat);  // [rows] float32, as saved
    const std::vector<float> x = values_of(xt), w = values_of(wt), g = values_of(gt), r = values_of(rt);
    const at::Tensor x64 = xt.to(at::kDouble), w64 = wt.to(at::kDouble), g64 = gt.to(at::kDouble);
    const at::Tensor r64 = rt.to(at::kDouble).unsqueeze(-1);                                     // [rows, 1]
    const at::Tensor gw = g64 * w64;                                                             // [rows, d]
    const at::Tensor cc = (gw * x64).mean({-1}, true) * r64 * r64;                               // [rows, 1]
    const at::Tensor dx64 = c.s * r64 * (gw - x64 * cc);                                         // [rows, d]
    // Error scale of each dx: the two terms' sizes and the d-term sum inside c.
    const at::Tensor dx_scale = c.s * r64 * (gw.abs() + x64.abs() * (gw * x64).abs().mean({-1}, true) * r64 * r64);
    const at::Tensor dw64 = c.s * (g64 * x64 * r64).sum(0);                                      // [d]
    const at::Tensor dw_scale = c.s * (g64 * x64 * r64).abs().sum(0);                            // [d]
    const std::string where = "rows=" + std::to_string(c.rows) + " d=" + std::to_string(c.d);

    for (int pack : kPacks) {
      for (std::int64_t row = 0; row < c.rows; ++row) {
        std::vector<float> dx(static_cast<std::size_t>(c.d));
        km::rms_backward_dx_row(g.data() + row * c.d, x.data() + row * c.d, w.data(), r[static_cast<std::size_t>(row)],
                                c.d, c.s, pack, dx.data());
        const double rel = (static_cast<double>(c.d) / 32 + 10) * 6e-8;
        for (std::int64_t j = 0; j < c.d; ++j)
          ASSERT_NEAR(dx[static_cast<std::size_t>(j)], dx64[row][j].item<double>(), rel * dx_scale[row][j].item<double>())
              << where << " pack=" << pack << " row=" << row << " j=" << j;
      }
    }
    std::vector<float> dw(static_cast<std::size_t>(c.d));
    km::rms_backward_dw(g.data(), x.data(), r.data(), c.rows, c.d, c.s, dw.data());
    // Interleaved float32 sums of rows / 8 terms per chunk, then a compensated sum of chunks.
    const double rel = (static_cast<double>(std::min<std::int64_t>(c.rows, 256)) / 8 + 12) * 6e-8;
    for (std::int64_t j = 0; j < c.d; ++j)
      EXPECT_NEAR(dw[static_cast<std::size_t>(j)], dw64[j].item<double>(), rel * dw_scale[j].item<double>() + 1e-30)
          << where << " j=" << j;
  }
}

}  // namespace
}  // namespace depthscope
