#include "core/train/distributed_checks.h"

#include <ATen/ATen.h>

#include <cstring>

#include "core/error.h"
#include "core/train/distributed_group.h"

namespace depthscope {

TrainingBatch rank_share(const TrainingBatch& global, const DistGroup& g) {
  const std::int64_t per = global.tokens.size(0) / g.world(), first = per * g.rank();
  return {global.tokens.slice(0, first, first + per), global.mask.defined() ? global.mask.slice(0, first, first + per) : at::Tensor()};
}

void check_identical(DistGroup& g, const std::vector<at::Tensor>& tensors, const std::string& what) {
  std::vector<double> f;
  for (const at::Tensor& t : tensors) {
    const at::Tensor c = t.detach().to(at::kCPU).contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
    const std::size_t n = c.nbytes();
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over 8-byte words, then the tail bytes
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
      std::uint64_t w;
      std::memcpy(&w, bytes + k, 8);
      h = (h ^ w) * 1099511628211ull;
      h ^= h >> 29;
    }
    for (; k < n; ++k) h = (h ^ bytes[k]) * 1099511628211ull;
    f.push_back(static_cast<double>(h >> 32));         // two exact halves
    f.push_back(static_cast<double>(h & 0xffffffffull));
  }
  at::Tensor mine = at::tensor(f, at::kDouble), lo = mine.clone(), hi = mine.clone();  // [2 * tensors]
  g.all_reduce_min(lo, "the check of " + what);
  g.all_reduce_max(hi, "the check of " + what);
  if (!at::equal(lo, hi))
    throw UsageError("rank " + std::to_string(g.rank()) + " of " + std::to_string(g.world()) + ": " + what +
                     " differ between the ranks" + (at::equal(mine, lo) && at::equal(mine, hi) ? "" : " (this rank's among them)"));
}

void agree_to_start(DistGroup& g, const std::string& refusal, std::int64_t run) {
  at::Tensor v = at::tensor({refusal.empty() ? 0.0 : 1.0}, at::kDouble);  // [1]
  g.all_reduce_max(v, "the start of run " + std::to_string(run));
  if (!refusal.empty()) throw UsageError(refusal);
  if (v.item<double>() > 0)
    throw UsageError("rank " + std::to_string(g.rank()) + ": another rank refused run " + std::to_string(run) + " (see its message)");
}

}  // namespace depthscope
