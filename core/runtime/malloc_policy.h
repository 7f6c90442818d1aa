#pragma once
// DepthScope's malloc policy, chosen once per process (issue 25; docs/benchmarks.md, "The
// allocator"). glibc serves blocks above its mmap threshold (128 KiB at first, rising to at most
// 32 MiB) with a fresh mmap each, and gives freed memory at the heap's top back to the kernel.
// A forward or a training step allocates the same large tensors again and again (activations,
// the [B*T, V] logits and their gradient), so with glibc's defaults every one of them is
// page-faulted in anew: on these VMs a page fault is expensive.
//
// Policies (DEPTHSCOPE_MALLOC overrides the process's default):
//   keep     no mmap for large blocks and no trimming: freed memory is reused, never returned
//            until the process exits. The default of the CLI and of training jobs: short-lived
//            or steady processes whose peak is their footprint anyway.
//   bounded  blocks up to 256 MiB come from the heap and are reused; larger ones are mmapped
//            and returned when freed, and the heap's top is trimmed past 256 MiB free. The GUI's
//            default: it stays open while models are opened and closed, and must give their
//            memory back.
//   glibc    glibc's own defaults (for measuring the difference).
#include <string>

namespace depthscope {

enum class MallocPolicy { keep, bounded, glibc };

// Applies DEPTHSCOPE_MALLOC when set (keep, bounded, glibc), else `fallback`; once per process
// (later calls change nothing). Returns the policy in effect. An unknown DEPTHSCOPE_MALLOC is
// named on stderr and `fallback` applies.
MallocPolicy apply_malloc_policy(MallocPolicy fallback);

// The policy in effect ("keep", "bounded", "glibc"; "glibc" before apply_malloc_policy).
std::string malloc_policy_name();

// Minor page faults of this process so far (getrusage): the bench commands print them.
long minor_page_faults();

}  // namespace depthscope
