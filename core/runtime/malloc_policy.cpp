#include "core/runtime/malloc_policy.h"

#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace depthscope {

namespace {

constexpr int kBoundedBytes = 256 << 20;  // the bounded policy's mmap and trim thresholds

std::atomic<MallocPolicy> g_policy{MallocPolicy::glibc};

const char* name_of(MallocPolicy p) {
  switch (p) {
    case MallocPolicy::keep: return "keep";
    case MallocPolicy::bounded: return "bounded";
    case MallocPolicy::glibc: return "glibc";
  }
  return "glibc";
}

MallocPolicy from_environment(MallocPolicy fallback) {
  const char* env = std::getenv("DEPTHSCOPE_MALLOC");
  if (env == nullptr || *env == '\0') return fallback;
  const std::string v = env;
  if (v == "keep") return MallocPolicy::keep;
  if (v == "bounded") return MallocPolicy::bounded;
  if (v == "glibc") return MallocPolicy::glibc;
  std::fprintf(stderr, "depthscope: DEPTHSCOPE_MALLOC=%s is not keep, bounded or glibc; using %s\n", env,
               name_of(fallback));
  return fallback;
}

void set(MallocPolicy p) {
#if defined(__GLIBC__)
  if (p == MallocPolicy::keep) {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, -1);
  } else if (p == MallocPolicy::bounded) {
    mallopt(M_MMAP_THRESHOLD, kBoundedBytes);  // a fixed threshold: glibc's dynamic one stops
    mallopt(M_TRIM_THRESHOLD, kBoundedBytes);
  }
#else
  (void)p;
#endif
}

}  // namespace

MallocPolicy apply_malloc_policy(MallocPolicy fallback) {
  static std::once_flag once;
  std::call_once(once, [fallback] {
    const MallocPolicy p = from_environment(fallback);
    set(p);
    g_policy.store(p);
  });
  return g_policy.load();
}

std::string malloc_policy_name() { return name_of(g_policy.load()); }

long minor_page_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

}  // namespace depthscope
