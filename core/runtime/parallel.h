#pragma once
// DepthScope's own parallel loops. at::parallel_for is a header template: with core compiled
// with OpenMP its body runs on OpenMP worker threads, which do not inherit the caller's
// thread-local tensor state (grad mode, InferenceMode, dispatch keys). An op on an inference
// tensor in a worker outside InferenceMode fails, and a worker in grad mode would record
// autograd history. parallel_for carries the caller's state into every worker.
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <cstdint>

namespace depthscope {

// f(i0, i1) over [begin, end) in ranges of at least `grain`, spread over the tensor threads;
// each worker runs with the calling thread's grad mode and InferenceMode.
template <class F>
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, const F& f) {
  const at::ThreadLocalState state;
  at::parallel_for(begin, end, grain, [&](std::int64_t i0, std::int64_t i1) {
    at::ThreadLocalStateGuard guard(state);
    f(i0, i1);
  });
}

}  // namespace depthscope
