#include <gtest/gtest.h>

#include "core/error.h"
#include "core/runtime/progress.h"
#include "core/runtime/threads.h"

namespace depthscope {
namespace {

TEST(Threads, SetThreadsIsExplicitAndReported) {
  EXPECT_EQ(set_threads(1), 1);
  EXPECT_EQ(threads(), 1);
  EXPECT_EQ(set_threads(2), 2);
  EXPECT_GE(hardware_cores(), 1);
  set_threads(0);
}

TEST(Threads, BlasIsNamedAndNotTheSlowReference) {
  const std::string blas = blas_name();
  EXPECT_FALSE(blas.empty());
  // The setup installs libopenblas0-openmp; the reference BLAS is 20-40x slower.
  EXPECT_EQ(blas.find("reference BLAS"), std::string::npos) << blas;
}

TEST(Progress, FormatsDurationsAndEstimatesEta) {
  EXPECT_EQ(format_duration(7), "0:07");
  EXPECT_EQ(format_duration(83), "1:23");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-1), "--:--");
  Progress last;
  RunControl control([&](const Progress& p) { last = p; }, nullptr);
  control.report(0, 4, "start");
  EXPECT_LT(last.eta_s, 0);  // unknown before the first unit
  control.report(2, 4, "half");
  EXPECT_GE(last.eta_s, 0);
  EXPECT_NEAR(last.fraction(), 0.5, 1e-12);
}

TEST(Progress, CancelTokenThrowsCancelled) {
  std::atomic<bool> cancel{false};
  RunControl control({}, &cancel);
  EXPECT_NO_THROW(control.check_cancel());
  cancel = true;
  EXPECT_TRUE(control.cancelled());
  EXPECT_THROW(control.check_cancel(), Cancelled);
}

}  // namespace
}  // namespace depthscope
