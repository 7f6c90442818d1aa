#include "core/model/packed_train_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/model/packed_gemm.h"
#include "core/runtime/parallel.h"

namespace depthscope {

namespace {

using WeakTensor = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

// One packed copy of a weight: of W (the forward's) or of W^T (the input gradient's), with the
// data pointer and version of W it was packed from.
struct Copy {
  const void* data = nullptr;
  std::int64_t version = -1;
  std::shared_ptr<PackedWeight> packed;
};

struct StepCopies {
  WeakTensor owner;
  Copy w, wt;
};

std::mutex copies_mutex;
std::unordered_map<const c10::TensorImpl*, StepCopies> copies;  // guarded by copies_mutex

std::int64_t bytes_of(const Copy& c) {
  return c.packed ? c.packed->panels.numel() * static_cast<std::int64_t>(sizeof(float)) : 0;
}

// The packed copy of W (transposed: of W^T) for W's current version, packed when missing. A
// copy of an older version is packed again in place (its panels reused) when no product holds
// it any more: training packs the same weights at every step. Null past the copies' cap.
std::shared_ptr<const PackedWeight> step_copy(const at::Tensor& w, bool transposed) {
  const c10::TensorImpl* key = w.unsafeGetTensorImpl();
  const void* data = w.data_ptr();
  const std::int64_t version = static_cast<std::int64_t>(key->version_counter().current_version());
  std::shared_ptr<PackedWeight> reuse;  // an older version's copy, to pack into
  {
    std::lock_guard<std::mutex> lock(copies_mutex);
    for (auto it = copies.begin(); it != copies.end();)  // weights freed since
      it = it->second.owner.expired() ? copies.erase(it) : std::next(it);
    auto it = copies.find(key);
    if (it == copies.end()) it = copies.emplace(key, StepCopies{WeakTensor(w.getIntrusivePtr()), {}, {}}).first;
    Copy& c = transposed ? it->second.wt : it->second.w;
    if (c.packed && c.data == data && c.version == version) return c.packed;
    if (c.data == data) reuse = std::move(c.packed);
    c = Copy{};
  }
  const std::int64_t bytes = packed_copy_bytes(w.size(transposed ? 1 : 0), w.size(transposed ? 0 : 1));
  // Past the cap (packed_gemm.h: a quarter of memory, shared with the inference copies) this
  // product takes at::mm.
  if (!reuse && packed_train_weight_bytes() + packed_weight_bytes() + bytes > packed_weight_cap_bytes()) return nullptr;
  std::shared_ptr<PackedWeight> packed = reuse && reuse.use_count() == 1 ? std::move(reuse) : std::make_shared<PackedWeight>();
  at::NoGradGuard no_grad;
  pack_weight_into(w.detach(), transposed, *packed);  // outside the lock
  std::lock_guard<std::mutex> lock(copies_mutex);
  const auto it = copies.find(key);
  if (it != copies.end()) (transposed ? it->second.wt : it->second.w) = Copy{data, version, packed};
  return packed;
}

// y [M, N] = x [M, K] P^T (+ b), P packed [N, K]. The rows go in chunks over the tensor threads, each chunk through every panel on one thread: the chunk of x stays in cache
// while the panels stream past (all M rows per panel would read x from memory N / 32 times).
constexpr std::int64_t kChunkRows = 96;

at::Tensor product(const at::Tensor& x, const PackedWeight& p, const at::Tensor& b) {
  const std::int64_t M = x.size(0), ldx = x.stride(0);
  at::Tensor y = at::empty({M, p.n}, x.options());  // [M, N]
  const float* xp = x.data_ptr<float>();
  const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  // At most kChunkRows rows per chunk, and a multiple of the thread count of equal chunks, so
  // that no thread waits for another's extra chunk (256 rows on 2 threads: 4 x 64, not 96 + 96 + 64).
  const std::int64_t T = at::in_parallel_region() ? 1 : at::get_num_threads();
  std::int64_t chunks = (M + kChunkRows - 1) / kChunkRows;
  chunks = (chunks + T - 1) / T * T;
  const std::int64_t per = (M + chunks - 1) / chunks;
  parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      const std::int64_t r0 = c * per, rows = std::min(per, M - r0);
      if (rows <= 0) continue;
      packed_linear(xp + r0 * ldx, rows, ldx, p, bp, yp + r0 * p.n, p.n, /*threads=*/1);
    }
  });
  return y;
}

// The forward and backward of x [M, K] W^T (+ b): x contiguous, w [N, K], b [N] or undefined.
at::Tensor linear_forward(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const auto packed = step_copy(w, /*transposed=*/false);
  if (!packed) return b.defined() ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
  return product(x, *packed, b.defined() ? b.contiguous() : b);  // [M, N]
}

// {dx [M, K], dW [N, K], db [N]} from dy [M, N]; each only where wanted.
torch::autograd::variable_list linear_backward(const at::Tensor& x, const at::Tensor& w, const at::Tensor& grad,
                                               bool want_x, bool want_w, bool want_b) {
  const at::Tensor dy = grad.contiguous();  // [M, N]
  at::Tensor dx, dw, db;
  if (want_x) {
    const auto packed = step_copy(w, /*transposed=*/true);
    dx = packed ? product(dy, *packed, at::Tensor()) : at::mm(dy, w);  // [M, K]
  }
  if (want_w) dw = at::mm(dy.t(), x);  // [N, K]
  if (want_b) db = dy.sum(0);          // [N]
  return {dx, dw, db};
}

// LibTorch 1.13's custom functions take no undefined tensor argument: one with a bias, one without.
struct PackedTrainLinear : public torch::autograd::Function<PackedTrainLinear> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w) {
    ctx->save_for_backward({x, w});
    return linear_forward(x, w, at::Tensor());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    auto g = linear_backward(saved[0], saved[1], grads[0], ctx->needs_input_grad(0), ctx->needs_input_grad(1), false);
    return {g[0], g[1]};
  }
};

struct PackedTrainLinearBias : public torch::autograd::Function<PackedTrainLinearBias> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            const at::Tensor& b) {
    ctx->save_for_backward({x, w});
    return linear_forward(x, w, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    return linear_backward(saved[0], saved[1], grads[0], ctx->needs_input_grad(0), ctx->needs_input_grad(1),
                           ctx->needs_input_grad(2));
  }
};

}  // namespace

namespace {
std::atomic<bool>& packed_training() {
  static std::atomic<bool> on{[] {
    const char* env = std::getenv("DEPTHSCOPE_PACKED_TRAIN");
    return env != nullptr && std::string(env) == "1";
  }()};
  return on;
}
}  // namespace

bool packed_training_enabled() { return packed_training().load(std::memory_order_relaxed); }

void set_packed_training(bool on) { packed_training().store(on); }

bool packed_train_linear_applies(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return packed_training_enabled() && packed_gemm_enabled() && at::GradMode::is_enabled() && x.device().is_cpu() && w.device().is_cpu() &&
         x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat && w.dim() == 2 && w.requires_grad() &&
         x.dim() >= 1 && x.size(-1) == w.size(1) && x.numel() > 0 &&
         (!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0) && b.scalar_type() == at::kFloat && b.device().is_cpu()));
}

at::Tensor packed_train_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const std::int64_t K = w.size(1), N = w.size(0);
  const at::Tensor x2 = x.reshape({-1, K}).contiguous();  // [M, K]
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = N;
  const at::Tensor y = b.defined() ? PackedTrainLinearBias::apply(x2, w, b) : PackedTrainLinear::apply(x2, w);  // [M, N]
  return y.view(shape);  // [..., N]
}

std::int64_t packed_train_weight_bytes() {
  std::lock_guard<std::mutex> lock(copies_mutex);
  std::int64_t bytes = 0;
  for (const auto& [key, c] : copies) bytes += bytes_of(c.w) + bytes_of(c.wt);
  return bytes;
}

}  // namespace depthscope
