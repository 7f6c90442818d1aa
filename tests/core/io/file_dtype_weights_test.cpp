// F16/BF16 checkpoints stay in their file dtype after loading (2 bytes per weight, views of the
// mapping) and are widened to float32 one layer at a time while the forward runs (issue 11):
// the logits equal those of the whole model widened to float32 up front, at most one layer's
// (or the head's) float32 copy is alive at once, memory estimates count 2 bytes per weight,
// and clone_weights still gives owned float32 copies for training.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/analysis/memory_estimate.h"
#include "core/io/checkpoint.h"
#include "core/io/mapped_file.h"
#include "core/io/weight_slots.h"
#include "core/model/transformer.h"
#include "core/model/widening_pool.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

ModelConfig llama_gqa() {
  ModelConfig c;
  c.vocab_size = 96;
  c.hidden_size = 64;
  c.intermediate_size = 160;
  c.num_layers = 4;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 64;
  c.norm_scheme = NormScheme::lns;
  return c;
}

ModelConfig gpt2_tied() {
  ModelConfig c = llama_gqa();
  c.family = ModelFamily::gpt2;
  c.num_kv_heads = 4;
  c.norm_kind = NormKind::layer;
  c.activation = Activation::gelu_new;
  c.gated_mlp = false;
  c.positions = PositionKind::learned;
  c.qkv_bias = c.out_bias = c.mlp_bias = true;
  c.tie_word_embeddings = true;
  c.norm_scheme = NormScheme::pre;
  return c;
}

std::int64_t layer_f32_bytes(const LayerWeights& lw) {
  std::int64_t n = 0;
  for (const LayerSlot& s : layer_slots())
    if ((lw.*(s.member)).defined()) n += (lw.*(s.member)).numel() * 4;
  return n;
}

struct Case {
  const char* name;
  ModelConfig config;
  SafetensorsDtype dtype;
  at::ScalarType type;
};

TEST(FileDtypeWeights, HalfCheckpointsStayNarrowAndGiveTheWidenedLogitsOneLayerAtATime) {
  const std::vector<Case> cases = {{"llama-bf16", llama_gqa(), SafetensorsDtype::bf16, at::kBFloat16},
                                   {"llama-f16", llama_gqa(), SafetensorsDtype::f16, at::kHalf},
                                   {"gpt2-bf16", gpt2_tied(), SafetensorsDtype::bf16, at::kBFloat16}};
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const fs::path dir = test::scratch_dir(std::string("file_dtype_") + k.name);
    save_hf(dir.string(), k.config, Transformer::random(k.config, 11).weights(), k.dtype);
    LoadedCheckpoint ck = load_checkpoint(dir.string());

    // Every weight keeps the file's dtype: 2 bytes per element, and the config says so.
    for (const auto& [name, t] : named_tensors(ck.weights, ck.config)) {
      EXPECT_EQ(t->scalar_type(), k.type) << name;
      EXPECT_EQ(t->element_size(), 2u) << name;
    }
    const std::int64_t params = ck.config.parameter_count();
    EXPECT_EQ(ck.config.weight_bytes, 2 * params);

    // The reference: the whole model widened to float32 before anything runs.
    ModelWeights wide = clone_weights(ck.weights, ck.config);
    for (const auto& [name, t] : named_tensors(wide, ck.config))
      EXPECT_EQ(t->scalar_type(), at::kFloat) << name;
    const Transformer reference(ck.config, wide);
    EXPECT_EQ(reference.config().weight_bytes, 4 * params);

    const Transformer narrow(ck.config, ck.weights);
    EXPECT_EQ(narrow.config().weight_bytes, 2 * params);
    const at::Tensor tokens = at::arange(0, 24, at::kLong).mul(7).remainder(k.config.vocab_size).view({2, 12});

    release_widening_pool();  // nothing left from an earlier case
    const std::int64_t live_before = widened_bytes_live();
    reset_widened_bytes_peak();
    const at::Tensor logits = narrow.forward(tokens);  // [2, 12, V]
    const std::int64_t peak = widened_bytes_peak() - live_before;
    EXPECT_EQ(widened_bytes_live(), live_before) << "every widened copy is freed after the forward";

    EXPECT_EQ(logits.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::equal(logits, reference.forward(tokens))) << "widening is exact";

    // Per layer: the largest single float32 copy alive is one layer or the head, never more.
    const std::int64_t one_layer = layer_f32_bytes(ck.weights.layers[0]);
    const std::int64_t head = (k.config.vocab_size + 2) * k.config.hidden_size * 4;  // lm_head + final norm
    EXPECT_GE(peak, one_layer) << "the forward widened a layer";
    EXPECT_LE(peak, std::max(one_layer, head));
    EXPECT_LT(peak, k.config.num_layers * one_layer);

    // Freed copies wait in the pool for the next forward: at most the peak plus one buffer
    // (the head), and the next forward widens into them with the same per-layer peak.
    EXPECT_GT(widening_pool_bytes(), 0);
    EXPECT_LE(widening_pool_bytes(), peak + head);
    reset_widened_bytes_peak();
    EXPECT_TRUE(at::equal(narrow.forward(tokens), logits));
    EXPECT_EQ(widened_bytes_peak() - live_before, peak);
    release_widening_pool();
    EXPECT_EQ(widening_pool_bytes(), 0);

    // Float32 weights are used as they are: no copies at all.
    reset_widened_bytes_peak();
    reference.forward(tokens);
    EXPECT_EQ(widened_bytes_peak(), live_before);

    // Skipping layers (the removal sweep) gives the widened model's numbers too.
    EXPECT_TRUE(at::equal(narrow.forward(tokens, nullptr, {2}), reference.forward(tokens, nullptr, {2})));
  }
}

// Resident pages of this process's file mappings, in kB (/proc/self/status RssFile).
std::int64_t rss_file_kb() {
  std::ifstream in("/proc/self/status");
  std::string key;
  std::int64_t value = 0;
  while (in >> key) {
    if (key == "RssFile:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 12, '\n');
  }
  return -1;
}

TEST(FileDtypeWeights, ReleasedPagesLeaveTheResidentSetAndReadBackTheSame) {
  const fs::path dir = test::scratch_dir("file_dtype_release");
  const std::string path = (dir / "data.bin").string();
  const std::int64_t n = 8 << 20;  // 32 MB of int32
  {
    std::ofstream out(path, std::ios::binary);
    std::vector<std::int32_t> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i * 7);
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(n * 4));
  }
  const std::shared_ptr<MappedFile> map = MappedFile::open(path);
  const at::Tensor view = at::from_blob(map->mutable_data(), {n}, at::TensorOptions().dtype(at::kInt));
  const std::int64_t sum = view.sum().item<std::int64_t>();  // every page read
  const std::int64_t touched = rss_file_kb();
  MappedFile::release_read_pages(map->data(), map->size());  // not marked: nothing happens
  EXPECT_GT(rss_file_kb(), touched - 4096);
  map->set_release_after_read(true);
  EXPECT_TRUE(map->release_after_read());
  int stack_value = 5;
  MappedFile::release_read_pages(&stack_value, sizeof stack_value);  // not a mapping: no-op
  EXPECT_EQ(stack_value, 5);
  MappedFile::release_read_pages(map->data(), map->size());
  EXPECT_LT(rss_file_kb(), touched - 24 * 1024) << "32 MB of pages left the resident set";
  EXPECT_EQ(view.sum().item<std::int64_t>(), sum) << "and read back the same";
}

TEST(FileDtypeWeights, LogitsAreTheSameWhenPagesAreReleasedAfterEachLayer) {
  const ModelConfig c = llama_gqa();
  const fs::path dir = test::scratch_dir("file_dtype_release_model");
  save_hf(dir.string(), c, Transformer::random(c, 13).weights(), SafetensorsDtype::bf16);
  ::setenv("DEPTHSCOPE_RELEASE_WEIGHT_PAGES", "always", 1);
  LoadedCheckpoint released = load_checkpoint(dir.string());
  ::unsetenv("DEPTHSCOPE_RELEASE_WEIGHT_PAGES");
  LoadedCheckpoint kept = load_checkpoint(dir.string());
  const Transformer a(released.config, released.weights), b(kept.config, kept.weights);
  // Estimates count released pages as one layer's and the head's in flight, not the file.
  const std::int64_t params = c.parameter_count();
  EXPECT_EQ(b.config().weight_bytes, 2 * params);
  EXPECT_EQ(released.config.weight_bytes, a.config().weight_bytes);
  EXPECT_EQ(a.config().weight_bytes,
            static_cast<std::int64_t>(weight_bytes_in_memory(ModelWeights{{}, {}, {kept.weights.layers[0]}, {}, {}, {}}) +
                                      kept.weights.lm_head.nbytes()));
  EXPECT_LT(model_weight_bytes(a.config()), model_weight_bytes(b.config()));
  const at::Tensor tokens = at::arange(0, 20, at::kLong).mul(5).remainder(c.vocab_size).view({1, 20});
  const at::Tensor first = a.forward(tokens);
  EXPECT_TRUE(at::equal(first, b.forward(tokens)));
  EXPECT_TRUE(at::equal(a.forward(tokens), first)) << "second pass reads the released pages again";
}

TEST(FileDtypeWeights, CloneForTrainingOwnsFloat32AndLeavesTheMappingAlone) {
  const ModelConfig c = llama_gqa();
  const fs::path dir = test::scratch_dir("file_dtype_clone");
  save_hf(dir.string(), c, Transformer::random(c, 12).weights(), SafetensorsDtype::bf16);
  LoadedCheckpoint ck = load_checkpoint(dir.string());
  const at::Tensor before = ck.weights.layers[1].wq.to(at::kFloat);
  ModelWeights owned = clone_weights(ck.weights, ck.config);
  EXPECT_EQ(owned.layers[1].wq.scalar_type(), at::kFloat);
  EXPECT_NE(owned.layers[1].wq.data_ptr(), ck.weights.layers[1].wq.data_ptr());
  owned.layers[1].wq.add_(1.0);  // training writes its own copy
  EXPECT_TRUE(at::equal(ck.weights.layers[1].wq.to(at::kFloat), before));
  EXPECT_EQ(ck.weights.layers[1].wq.scalar_type(), at::kBFloat16);
}

TEST(FileDtypeWeights, MemoryEstimatesCountTwoBytesPerWeightPlusTheWidenedCopies) {
  ModelConfig f32;  // the Llama-2-7B shape
  f32.hidden_size = 4096;
  f32.intermediate_size = 11008;
  f32.num_layers = 32;
  f32.num_heads = f32.num_kv_heads = 32;
  f32.vocab_size = 32000;
  ModelConfig bf16 = f32;
  bf16.weight_bytes = 2 * f32.parameter_count();
  EXPECT_EQ(f32.parameter_count(), 6738415616);  // Llama-2-7B
  EXPECT_EQ(model_weight_bytes(f32), 4 * f32.parameter_count());
  EXPECT_EQ(model_weight_bytes(bf16), 2 * f32.parameter_count());
  EXPECT_EQ(widened_weight_bytes(f32), 0);
  // Two float32 layers (202,383,360 parameters each) and the head with the final norm.
  EXPECT_EQ(widened_weight_bytes(bf16), (2 * 202383360LL + 32000LL * 4096 + 4096) * 4);
  // stats on 512 tokens and the sweep on 128 fit the default budget of a 24 GB machine (70%,
  // 16.8 GB) with 13.5 GB of BF16 weights; float32 weights alone (27 GB) would not.
  const std::int64_t budget_24gb = 16'800'000'000LL;
  EXPECT_LT(layer_statistics_memory(bf16, 512, 256, true, 512), budget_24gb);
  EXPECT_LT(layer_removal_memory(bf16, 128, 128, false), budget_24gb);
  EXPECT_GT(layer_statistics_memory(f32, 512, 256, true, 512), 26'000'000'000LL);
}

}  // namespace
}  // namespace depthscope

// A buffer first widened inside InferenceMode (the removal sweep) goes back to the pool and is
// handed to a caller outside it (statistics under no-grad); writing into it must still work.
TEST(FileDtypeWeights, PooledBuffersFromInferenceModeServeCallersOutsideIt) {
  const at::Tensor half = at::randn({64, 96}).to(at::kHalf);
  {
    c10::InferenceMode inference;
    const at::Tensor wide = depthscope::float32_weight(half);
    EXPECT_TRUE(at::equal(wide, half.to(at::kFloat)));
  }  // the buffer is back in the pool
  at::NoGradGuard no_grad;
  at::Tensor again;
  EXPECT_NO_THROW(again = depthscope::float32_weight(half));
  EXPECT_FALSE(again.is_inference());
  EXPECT_TRUE(at::equal(again, half.to(at::kFloat)));
}
