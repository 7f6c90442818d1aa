#pragma once
// The causal softmax of a query block's score rows, in place, for the fused no-gradient
// attention (causal_attention.cpp). AVX-512: both functions throw UsageError unless
// packed_gemm_enabled().
#include <cstdint>

namespace depthscope {

// Row i of `rows` (row stride ld) sees its first seen_0 + i scores (keys up to its query):
// they become softmax(scores), exp(s - max) / sum; the rest of the row up to `width` becomes 0.
void causal_softmax_rows(float* s, std::int64_t rows, std::int64_t ld, std::int64_t seen_0, std::int64_t width);

// exp(x) for n floats x <= 0 as the softmax computes it (x < -150 gives 0, x > 0 is taken as 0):
// within 1 ulp of exp, not always correctly rounded (softmax_rows.cpp). For the tests.
void softmax_exp(const float* x, float* y, std::int64_t n);

}  // namespace depthscope
