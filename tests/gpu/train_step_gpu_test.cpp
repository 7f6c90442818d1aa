// Training on CUDA against the CPU reference (issue 12: "one training step on GPU matches the
// CPU loss within tolerance"): train_step from the same initial weights and batches in f32
// (tight) and in bf16 mixed precision (loose), and a whole run of the trainer on "device":
// "cuda" (batches, Adam state, checkpoints written from the GPU, resume onto the GPU).
// Skips (reported as skipped) where LibTorch has no usable GPU.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/train_losses.h"
#include "core/model/transformer.h"
#include "core/runtime/device.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/train/adam.h"
#include "core/train/corpus_builder.h"
#include "core/train/experiment.h"
#include "core/train/presets.h"
#include "core/runtime/torch_device.h"
#include "core/model/model_placement.h"
#include "core/train/train_spec.h"
#include "core/train/train_step.h"
#include "core/train/trainer.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

#define DS_REQUIRE_TORCH_GPU()                                                                          \
  if (!at::hasCUDA())                                                                                   \
  GTEST_SKIP() << "no GPU usable by LibTorch (a CPU-only LibTorch, or no GPU): " << device_report().summary()

ModelConfig small_config() {
  ModelConfig c = preset_config("tiny");  // 4 x 128, FFN 344, 4 heads
  c.vocab_size = 96;
  c.max_position = 32;
  c.validate();
  return c;
}

// Losses of `steps` train_steps of a fresh model (seed 5) on `device` in `dtype`.
std::vector<double> step_losses(const ComputeDevice& device, TrainDtype dtype, int steps) {
  const ModelConfig c = small_config();
  const Transformer init = Transformer::random(c, 5);
  Transformer model(c, weights_on(clone_weights(init.weights(), c), torch_device(device)));
  const NamedParams params = trainable_parameters(model);
  Adam adam(params, AdamOptions{});
  at::Generator gen = at::detail::createCPUGenerator(11);
  std::vector<double> out;
  for (int s = 0; s < steps; ++s) {
    const at::Tensor batch = at::randint(0, c.vocab_size, {4, 33}, gen, at::kLong).to(torch_device(device));  // [B, T+1]
    out.push_back(train_step(model, params, adam, 1e-3, 0, 1, [&](std::int64_t) { return batch; }, nullptr, {}, {},
                             nullptr, dtype)
                      .loss);
  }
  return out;
}

TEST(TrainGpu, StepLossesMatchTheCpu) {
  DS_REQUIRE_TORCH_GPU();
  const std::vector<double> cpu = step_losses(parse_device("cpu"), TrainDtype::f32, 3);
  const std::vector<double> f32 = step_losses(parse_device("cuda"), TrainDtype::f32, 3);
  const std::vector<double> bf16 = step_losses(parse_device("cuda"), TrainDtype::bf16, 3);
  for (std::size_t s = 0; s < cpu.size(); ++s) {
    ASSERT_TRUE(std::isfinite(f32[s]) && std::isfinite(bf16[s]));
    EXPECT_NEAR(f32[s], cpu[s], 1e-4 * std::abs(cpu[s])) << "f32 step " << s + 1;
    EXPECT_NEAR(bf16[s], cpu[s], 2e-2 * std::abs(cpu[s])) << "bf16 step " << s + 1;
  }
}

std::string small_corpus(const fs::path& dir) {
  const fs::path text = dir / "text.txt";
  std::ofstream out(text);
  const char* words[] = {"depth", "residual", "stream", "variance", "grows", "with", "each", "layer", "and"};
  for (int i = 0; i < 3000; ++i) out << words[(i * 7) % 9] << ' ' << words[(i * 5 + 1) % 9] << ((i % 9 == 8) ? ".\n" : " ");
  out.close();
  CorpusOptions o;
  o.text_files = {text.string()};
  o.validation_fraction = 0.1;
  build_corpus(o, (dir / "corpus").string());
  return (dir / "corpus").string();
}

// Trains run 1 of a fresh database on `device` / `dtype`; stops after step 4 and resumes when
// asked. Returns the losses.
std::map<std::int64_t, double> train(const fs::path& dir, const std::string& corpus, const std::string& name,
                                     const std::string& device, const std::string& dtype, bool interrupt) {
  const TrainSpec spec = parse_train_spec_text(
      R"({"name": "gpu", "model": {"layers": 2, "hidden": 64, "heads": 2, "ffn": 128}, "schemes": ["lns"],
          "corpus": {"dir": ")" + corpus + R"("}, "steps": 8, "batch": 4, "seq": 32, "eval_every": 4,
          "eval_tokens": 512, "layer_metrics_every": 2, "seed": 3, "device": ")" + device + R"(", "dtype": ")" +
      dtype + "\"}");
  const std::string db = (dir / (name + ".sqlite")).string();
  const CreatedExperiment e = create_experiment(spec, db);
  std::atomic<bool> stop{false};
  TrainRunOptions o;
  o.db_path = db;
  o.out_dir = (dir / (name + "-runs")).string();
  o.stop = &stop;
  o.on_step = [&](const TrainRunOptions::StepReport& r) {
    if (interrupt && r.step == 4) stop = true;
  };
  TrainRunResult r = train_run(e.runs[0], o);
  if (interrupt) {
    EXPECT_EQ(r.end, TrainEnd::stopped);
    stop = false;
    o.resume = true;
    r = train_run(e.runs[0], o);  // Adam's moments from the checkpoint, onto the GPU
  }
  EXPECT_EQ(r.end, TrainEnd::finished) << r.message;
  EXPECT_EQ(r.step, 8);
  EXPECT_TRUE(std::isfinite(r.last_val_loss));
  return depthscope::test::train_losses(db, e.runs[0]);
}

TEST(TrainGpu, TrainerRunsOnCudaLikeTheCpuAndResumes) {
  DS_REQUIRE_TORCH_GPU();
  const fs::path dir = fs::temp_directory_path() / "depthscope_gpu_train";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string corpus = small_corpus(dir);
  const auto cpu = train(dir, corpus, "cpu", "cpu", "f32", false);
  const auto gpu = train(dir, corpus, "gpu", "cuda", "f32", false);
  const auto resumed = train(dir, corpus, "gpu-resumed", "cuda", "f32", true);
  const auto bf16 = train(dir, corpus, "bf16", "cuda", "bf16", false);
  ASSERT_EQ(cpu.size(), 8u);
  ASSERT_EQ(gpu.size(), 8u);
  ASSERT_EQ(resumed.size(), 8u);
  ASSERT_EQ(bf16.size(), 8u);
  for (const auto& [step, loss] : cpu) {
    EXPECT_NEAR(gpu.at(step), loss, 1e-3 * loss) << "f32 step " << step;
    EXPECT_NEAR(resumed.at(step), gpu.at(step), 1e-4 * loss) << "resumed step " << step;
    EXPECT_NEAR(bf16.at(step), loss, 3e-2 * loss) << "bf16 step " << step;
  }
}

}  // namespace
}  // namespace depthscope
