// The packed-weight cache (core/model/packed_gemm.h) inside whole forwards: a weight changed by
// the fused Adam is repacked, a closed model's copies are freed, a partly packed model (cap
// reached) gives the fully packed model's logits within the stated bound, and the shapes and
// the AVX-512 switch are checked where the kernels are entered. The rows' independence of the
// thread count is checked here too, on whichever path this run takes: ctest runs the core
// tests once more with DEPTHSCOPE_PACKED_GEMM=0 (tests/CMakeLists.txt, label core-at-mm).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "core/error.h"
#include "core/model/block_rows.h"
#include "core/model/packed_gemm.h"
#include "core/model/softmax_rows.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"
#include "core/train/adam.h"

namespace depthscope {
namespace {

#define REQUIRE_PACKED_GEMM()                                                        \
  if (!packed_gemm_enabled()) GTEST_SKIP() << "no AVX-512 (or DEPTHSCOPE_PACKED_GEMM=0; =portable runs it anywhere)"

ModelConfig small_llama() {
  ModelConfig c;
  c.family = ModelFamily::llama;
  c.vocab_size = 97;
  c.hidden_size = 64;
  c.intermediate_size = 96;
  c.num_layers = 3;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 512;
  return c;
}

at::Tensor tokens_of(std::int64_t B, std::int64_t T, std::int64_t V, std::uint64_t seed) {
  at::manual_seed(seed);
  return at::randint(V, {B, T}, at::kLong);
}

at::Tensor logits_of(const Transformer& m, const at::Tensor& tokens) {
  at::NoGradGuard no_grad;  // the row kernels' path (block_rows.h), where weights are packed
  return m.forward(tokens);
}

// A model with copies of m's weights (new tensors: nothing of m's is cached for them).
Transformer copy_of(Transformer& m) {
  ModelWeights w = m.weights();
  for (auto& [name, t] : named_tensors(w, m.config())) *t = t->detach().clone();
  return Transformer(m.config(), w);
}

struct ThreadsGuard {
  int saved = at::get_num_threads();
  explicit ThreadsGuard(int n) { at::set_num_threads(n); }
  ~ThreadsGuard() { at::set_num_threads(saved); }
};

// The bound DEVELOPERS.md states for logits computed by different GEMM summation orders (the
// packed kernel against at::mm, or at::mm over row chunks of different sizes): 2e-5 of the
// largest |logit|.
constexpr double kOrderBound = 2e-5;

double max_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(PackedWeightCache, AFusedAdamStepIsSeenByTheNextForward) {
  REQUIRE_PACKED_GEMM();
  Transformer m = Transformer::random(small_llama(), 21);
  const at::Tensor tokens = tokens_of(2, 24, 97, 22);
  const at::Tensor before = logits_of(m, tokens);
  const at::Tensor wq = m.weights().layers.at(0).wq;
  const auto packed_before = cached_packed_weight(wq);
  ASSERT_NE(packed_before, nullptr) << "the forward packs the weights";

  // One step of DepthScope's fused CPU Adam (raw-pointer writes) on every weight, as training does.
  std::vector<std::pair<std::string, at::Tensor>> params;
  at::manual_seed(23);
  for (auto& [name, t] : named_tensors(m.mutable_weights(), m.config())) {
    t->requires_grad_(true);
    t->mutable_grad() = at::randn_like(*t);
    params.emplace_back(name, *t);
  }
  Adam adam(params, AdamOptions{});
  adam.step(1e-2);
  for (auto& [name, t] : params) {
    t.mutable_grad() = at::Tensor();
    t.requires_grad_(false);
  }

  const at::Tensor after = logits_of(m, tokens);
  EXPECT_NE(cached_packed_weight(wq).get(), packed_before.get()) << "the stepped weight is packed again";
  Transformer fresh = copy_of(m);  // the stepped values in tensors never packed before
  EXPECT_TRUE(at::equal(after, logits_of(fresh, tokens))) << "the forward after the step uses the new weights";
  EXPECT_GT(max_difference(after, before), 1e-3) << "the step changed the logits";
}

// What the cache keys on, without AVX-512: the fused CPU Adam (raw-pointer writes) moves the
// version counter of every tensor it writes, as an in-place ATen op does.
TEST(PackedWeightCache, TheFusedAdamBumpsTheVersionCounters) {
  at::manual_seed(31);
  at::Tensor w = at::randn({8, 4}).requires_grad_(true);
  w.mutable_grad() = at::randn({8, 4});
  const auto version = [](const at::Tensor& t) { return t.unsafeGetTensorImpl()->version_counter().current_version(); };
  const auto before = version(w);
  Adam adam({{"w", w}}, AdamOptions{});
  adam.step(1e-2);
  EXPECT_GT(version(w), before) << "a packed copy keyed by (tensor, data, version) would be served stale";
  for (const auto& [name, moment] : adam.state()) EXPECT_GT(version(moment), 0u) << name;
}

TEST(PackedWeightCache, ClosingAModelFreesItsCopies) {
  REQUIRE_PACKED_GEMM();
  drop_unused_packed_weights();
  const std::int64_t before = packed_weight_bytes();
  {
    Transformer m = Transformer::random(small_llama(), 24);
    (void)logits_of(m, tokens_of(1, 16, 97, 25));
    EXPECT_GT(packed_weight_bytes(), before + 64 * 96 * 4);
  }
  EXPECT_EQ(packed_weight_bytes(), before) << "freed when the model is destroyed, not at the next packing";
}

TEST(PackedWeightCache, APartlyPackedModelGivesTheFullyPackedLogitsWithinTheBound) {
  REQUIRE_PACKED_GEMM();
  Transformer partly = Transformer::random(small_llama(), 26);
  Transformer fully = copy_of(partly);
  const at::Tensor tokens = tokens_of(2, 40, 97, 27);
  // Room for about half of the weights: the first ones packed, the rest on at::mm.
  drop_unused_packed_weights();
  const std::int64_t held = packed_weight_bytes();
  set_packed_weight_cap_bytes(held + 3 * (64 * 96 + 2 * 64 * 64) * 4);
  const at::Tensor partial = logits_of(partly, tokens);
  const std::int64_t partly_held = packed_weight_bytes() - held;
  set_packed_weight_cap_bytes(0);
  EXPECT_EQ(packed_weight_cap_bytes(), memory_limit_bytes() / 4);
  const at::Tensor full = logits_of(fully, tokens);
  const std::int64_t fully_held = packed_weight_bytes() - held - partly_held;
  ASSERT_GT(partly_held, 0);
  ASSERT_LT(partly_held, fully_held) << "the cap left some weights on at::mm";
  const double scale = full.abs().max().item<double>();
  EXPECT_LE(max_difference(partial, full), kOrderBound * scale);
}

// On either path, the logits do not depend on the thread count: exactly on the packed path,
// within the bound on at::mm's (its row chunks, and OpenBLAS's kernels for them, follow the
// thread count).
TEST(RowKernels, LogitsDoNotDependOnTheThreadCount) {
  Transformer m = Transformer::random(small_llama(), 28);
  // 1 x 256 is cut into one row chunk per thread (128 <= rows < 512, block_rows.cpp): the
  // shape where at::mm's results move with the thread count.
  for (auto shape : {std::vector<std::int64_t>{2, 300}, {1, 40}, {1, 256}}) {
    const at::Tensor tokens = tokens_of(shape[0], shape[1], 97, 29);
    at::Tensor one, two;
    {
      ThreadsGuard threads(1);
      one = logits_of(m, tokens);
    }
    {
      ThreadsGuard threads(2);
      two = logits_of(m, tokens);
    }
    const double difference = max_difference(one, two), scale = one.abs().max().item<double>();
    const std::string where = std::to_string(shape[0]) + " x " + std::to_string(shape[1]);
    if (packed_gemm_enabled())
      EXPECT_TRUE(at::equal(one, two)) << where << ": max difference " << difference;
    else
      EXPECT_LE(difference, kOrderBound * scale) << where;
    std::printf("[ measured ] %s tokens, %s: 1 vs 2 threads differ by at most %.3g (%.3g of max |logit|)\n",
                where.c_str(), packed_gemm_enabled() ? "packed GEMM" : "at::mm", difference, difference / scale);
  }
}

// On either path: a bias of another length than W's rows is refused with the shapes named (the
// packed kernel would read past its end).
TEST(RowKernels, LinearOutChecksTheBiasLength) {
  at::manual_seed(31);
  const at::Tensor w = at::randn({96, 64}), x = at::randn({4, 64});
  at::Tensor out = at::empty({4, 96});
  linear_out(out, x, w, at::randn({96}));
  try {
    linear_out(out, x, w, at::randn({95}));
    FAIL() << "a 95-long bias for 96 outputs was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("b [95]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(linear_out(out, x, w, at::randn({2, 48})), UsageError);
}

TEST(PackedWeightCache, LinearOutChecksThePackedShapes) {
  REQUIRE_PACKED_GEMM();
  at::manual_seed(30);
  const at::Tensor w = at::randn({96, 64}), x = at::randn({4, 64});
  const auto packed = cached_packed_weight(w);
  ASSERT_NE(packed, nullptr);
  at::Tensor out = at::empty({4, 96});
  linear_out(out, x, w, at::Tensor(), packed.get());
  EXPECT_TRUE(at::allclose(out, at::mm(x, w.t()), 1e-5, 1e-5));
  at::Tensor wide = at::empty({4, 128});
  EXPECT_THROW(linear_out(wide, x, at::randn({128, 64}), at::Tensor(), packed.get()), UsageError);  // N
  EXPECT_THROW(linear_out(out, at::randn({4, 48}), w, at::Tensor(), packed.get()), UsageError);    // K
  EXPECT_THROW(linear_out(at::empty({3, 96}), x, w, at::Tensor(), packed.get()), UsageError);     // rows
}

// A weight is packed outside the cache's lock: while one thread packs a 128 MiB weight, a
// lookup of a weight already packed returns at once, long before that packing ends. (Were the
// packing done under the lock, the lookup would return only as the packing ended.)
TEST(PackedWeightCache, PackingOneWeightDoesNotStallLookupsOfOthers) {
  REQUIRE_PACKED_GEMM();
  using Clock = std::chrono::steady_clock;
  const at::Tensor small = at::randn({64, 64});
  const auto held = cached_packed_weight(small);
  ASSERT_NE(held, nullptr);
  const at::Tensor big = at::ones({8192, 4096});  // [N, K], 128 MiB
  const std::int64_t before = packed_weight_bytes();
  std::atomic<bool> packed{false};
  Clock::time_point packed_at;
  std::thread packer([&] {
    EXPECT_NE(cached_packed_weight(big), nullptr);
    packed_at = Clock::now();
    packed = true;
  });
  while (packed_weight_bytes() == before && !packed) std::this_thread::yield();  // its packing has begun
  const auto again = cached_packed_weight(small);
  const Clock::time_point looked_up = Clock::now();
  const bool packing_went_on = !packed;
  packer.join();
  EXPECT_EQ(again.get(), held.get());
  ASSERT_TRUE(packing_went_on) << "the lookup returned only once the other weight was packed";
  const double after_ms = std::chrono::duration<double, std::milli>(packed_at - looked_up).count();
  std::printf("[ measured ] the 128 MiB packing went on %.1f ms after the other lookup returned\n", after_ms);
  EXPECT_GT(after_ms, 2.0);
}

TEST(PackedWeightCache, TheAvx512EntryPointsRefuseWhenOff) {
  if (packed_gemm_enabled()) GTEST_SKIP() << "the AVX-512 kernels are on (checked in the DEPTHSCOPE_PACKED_GEMM=0 pass)";
  float x[16] = {0}, y[16] = {0};
  PackedWeight pw;
  pw.n = pw.k = pw.kc = 1;
  EXPECT_THROW(gemm_rows(x, 1, 1, 1, x, 1, 1, 1.0f, y, 1), UsageError);
  EXPECT_THROW(packed_linear(x, 1, 1, pw, nullptr, y, 1, 1), UsageError);
  EXPECT_THROW(causal_softmax_rows(x, 1, 16, 1, 16), UsageError);
  EXPECT_THROW(softmax_exp(x, y, 16), UsageError);
  EXPECT_EQ(cached_packed_weight(at::ones({8, 8})), nullptr);
}

// The softmax's exp is within 1 ulp of float64's exp rounded to float32 (softmax_rows.cpp),
// over 2^20 float32 inputs spread evenly (by bit pattern) over [-104, 0].
TEST(PackedWeightCache, SoftmaxExpIsWithinOneUlp) {
  REQUIRE_PACKED_GEMM();
  std::uint32_t lo = 0x80000000u, hi = 0;
  const float top = -104.0f;
  std::memcpy(&hi, &top, sizeof hi);
  const std::int64_t n = 1 << 20;
  std::vector<float> x(static_cast<std::size_t>(n)), y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint32_t bits = lo + static_cast<std::uint32_t>((static_cast<std::uint64_t>(hi - lo) * i) / (n - 1));
    std::memcpy(&x[static_cast<std::size_t>(i)], &bits, sizeof bits);
  }
  softmax_exp(x.data(), y.data(), n);
  std::int64_t off_by_one = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float want = static_cast<float>(std::exp(static_cast<double>(x[static_cast<std::size_t>(i)])));
    const float got = y[static_cast<std::size_t>(i)];
    if (got == want) continue;
    ++off_by_one;
    ASSERT_TRUE(got == std::nextafter(want, 0.0f) || got == std::nextafter(want, 1.0f))
        << "exp(" << x[static_cast<std::size_t>(i)] << ") = " << got << ", float64 gives " << want;
  }
  std::printf("[ measured ] softmax exp: %lld of %lld inputs in [-104, 0] 1 ulp from the correctly rounded value\n",
              static_cast<long long>(off_by_one), static_cast<long long>(n));
}

}  // namespace
}  // namespace depthscope
