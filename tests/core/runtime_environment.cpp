// Every core test runs with the compute set-up the apps use: explicit thread count
// (DEPTHSCOPE_THREADS, set to 1 by ctest) and the OpenBLAS kernel choice of configure_blas().
#include <gtest/gtest.h>

#include "core/runtime/threads.h"

namespace {

class ComputeEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { depthscope::set_threads(0); }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ComputeEnvironment);

}  // namespace
