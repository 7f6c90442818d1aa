#include "core/model/widening_pool.h"

#include <c10/core/InferenceMode.h>
#include <ATen/ATen.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

namespace depthscope {

namespace {

struct FreeBuffer {
  at::Tensor buffer;
  std::uint64_t stamp;  // when it was handed back; the oldest goes first
};

struct Pool {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<FreeBuffer>> free;  // numel -> free buffers
  std::int64_t bytes = 0;
  std::int64_t largest = 0;  // largest buffer ever handed back
  std::uint64_t clock = 0;
};

// Never destroyed: tensors freed during static destruction may still hand buffers back.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

std::int64_t bytes_of(const at::Tensor& t) { return t.numel() * 4; }

}  // namespace

at::Tensor take_widening_buffer(std::int64_t numel) {
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.free.find(numel);
    if (it != p.free.end() && !it->second.empty()) {
      at::Tensor t = std::move(it->second.back().buffer);
      it->second.pop_back();
      p.bytes -= bytes_of(t);
      return t;
    }
  }
  // Always a normal tensor, even when the caller runs in InferenceMode (the removal sweep): the
  // buffer goes back to the pool and a later caller outside InferenceMode writes into it, which
  // LibTorch refuses for an inference tensor ("Inplace update to inference tensor outside
  // InferenceMode").
  c10::InferenceMode normal_tensor(false);
  return at::empty({numel}, at::TensorOptions().dtype(at::kFloat));
}

void give_widening_buffer(at::Tensor buffer, std::int64_t live_high_bytes) {
  Pool& p = pool();
  std::vector<at::Tensor> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lock(p.mutex);
  const std::int64_t bytes = bytes_of(buffer);
  p.largest = std::max(p.largest, bytes);
  p.free[buffer.numel()].push_back({std::move(buffer), ++p.clock});
  p.bytes += bytes;
  const std::int64_t cap = live_high_bytes + p.largest;
  while (p.bytes > cap) {
    auto oldest = p.free.end();
    for (auto it = p.free.begin(); it != p.free.end(); ++it)
      if (!it->second.empty() && (oldest == p.free.end() || it->second.front().stamp < oldest->second.front().stamp))
        oldest = it;
    if (oldest == p.free.end()) break;
    p.bytes -= bytes_of(oldest->second.front().buffer);
    dropped.push_back(std::move(oldest->second.front().buffer));
    oldest->second.erase(oldest->second.begin());
  }
}

std::int64_t widening_pool_bytes() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.bytes;
}

void release_widening_pool() {
  Pool& p = pool();
  std::map<std::int64_t, std::vector<FreeBuffer>> dropped;
  std::lock_guard<std::mutex> lock(p.mutex);
  dropped.swap(p.free);
  p.bytes = 0;
}

}  // namespace depthscope
