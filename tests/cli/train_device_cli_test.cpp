// `train --device --dtype` and `bench-train --device --dtype`: a CUDA request without a usable
// GPU exits non-zero before anything is written, naming the device and why; --device cpu
// --dtype f32 trains exactly as the spec alone; the replaced fields are what the database stores.
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "cli/run_cli.h"
#include "cli/tiny_corpus.h"
#include "test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

fs::path write_spec(const fs::path& dir) {
  test::write_tiny_corpus(dir / "t.txt");
  const fs::path spec = dir / "spec.json";
  std::ofstream(spec) << R"({"name": "t", "model": {"layers": 2, "hidden": 32, "heads": 2, "ffn": 64},
    "schemes": ["pre"], "corpus": {"text": ["t.txt"], "tokenizer": "bytes"}, "steps": 6, "batch": 2, "seq": 16,
    "eval_every": 3, "eval_tokens": 256, "layer_metrics_every": 3})";
  return spec;
}

std::vector<double> losses(const std::string& db_path) {
  store::RunDb db(db_path);
  std::vector<double> v;
  for (const store::MetricRow& r : store::run_metrics(db, 1))
    if (r.key == "train/loss") v.push_back(r.value);
  return v;
}

TEST(TrainDeviceCli, CudaWithoutAGpuIsRefusedBeforeTheDatabase) {
  if (at::hasCUDA()) GTEST_SKIP() << "CUDA works here; the refusal is for builds or machines without it";
  const fs::path dir = test::scratch_dir("train_device_cli_refused");
  const fs::path spec = write_spec(dir);
  const std::string db = (dir / "runs.sqlite").string();
  const auto r = run_cli("--threads 1 train --spec " + spec.string() + " --db " + db + " --device cuda --dtype bf16");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("cuda cannot train here"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no CUDA"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(db));
  const auto bf16_cpu = run_cli("--threads 1 train --spec " + spec.string() + " --db " + db + " --dtype bf16");
  EXPECT_NE(bf16_cpu.exit_code, 0);
  EXPECT_NE(bf16_cpu.output.find("bf16 mixed precision trains on a CUDA device"), std::string::npos) << bf16_cpu.output;
  const auto bench = run_cli("bench-train --device cuda:1 --steps 1");
  EXPECT_NE(bench.exit_code, 0);
  EXPECT_NE(bench.output.find("--device cuda:1"), std::string::npos) << bench.output;
  const auto resume = run_cli("train --resume 1 --db " + db + " --device cpu");
  EXPECT_NE(resume.exit_code, 0);
  EXPECT_NE(resume.output.find("--device and --dtype go with --spec"), std::string::npos) << resume.output;
}

TEST(TrainDeviceCli, CpuF32OptionsTrainExactlyAsTheSpecAlone) {
  const fs::path dir = test::scratch_dir("train_device_cli_cpu");
  const fs::path spec = write_spec(dir);
  const std::string a = (dir / "a.sqlite").string(), b = (dir / "b.sqlite").string();
  const auto ra = run_cli("--threads 1 train --spec " + spec.string() + " --db " + a);
  ASSERT_EQ(ra.exit_code, 0) << ra.output;
  const auto rb = run_cli("--threads 1 train --spec " + spec.string() + " --db " + b + " --device cpu --dtype f32");
  ASSERT_EQ(rb.exit_code, 0) << rb.output;
  const std::vector<double> la = losses(a), lb = losses(b);
  ASSERT_EQ(la.size(), 6u);
  EXPECT_EQ(la, lb);  // bit for bit
  store::RunDb db(b);
  const auto run = db.get_run(1);
  ASSERT_TRUE(run);
  const nlohmann::json stored = nlohmann::json::parse(run->spec_json);  // what a resume re-reads
  EXPECT_EQ(stored.at("device"), "cpu");
  EXPECT_EQ(stored.at("dtype"), "f32");
}

}  // namespace
}  // namespace depthscope
