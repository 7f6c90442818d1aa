#include "core/analysis/analysis_cache.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <set>

#include "core/error.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// Equal bit for bit, or both NaN.
void expect_same(double a, double b, const std::string& what) {
  if (std::isnan(a) && std::isnan(b)) return;
  EXPECT_EQ(bits(a), bits(b)) << what << ": " << a << " vs " << b;
}

void expect_same(const std::vector<double>& a, const std::vector<double>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i], what + "[" + std::to_string(i) + "]");
}

void expect_same(const RemovalScore& a, const RemovalScore& b, const std::string& what) {
  expect_same(a.loss, b.loss, what + ".loss");
  expect_same(a.ppl, b.ppl, what + ".ppl");
  expect_same(a.accuracy, b.accuracy, what + ".accuracy");
  expect_same(a.acc_norm, b.acc_norm, what + ".acc_norm");
  expect_same(a.acc_stderr, b.acc_stderr, what + ".acc_stderr");
  expect_same(a.acc_norm_stderr, b.acc_norm_stderr, what + ".acc_norm_stderr");
}

void expect_same(const AnalysisRecord& a, const AnalysisRecord& b) {
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.memory_estimate_bytes, b.memory_estimate_bytes);
  expect_same(a.seconds, b.seconds, "seconds");
  EXPECT_EQ(a.computed_at, b.computed_at);
  expect_same(a.baseline, b.baseline, "baseline");
  ASSERT_EQ(a.stats.size(), b.stats.size());
  for (std::size_t i = 0; i < a.stats.size(); ++i) {
    const LayerStats &x = a.stats[i], &y = b.stats[i];
    const std::string w = "stats[" + std::to_string(i) + "].";
    EXPECT_EQ(x.layer, y.layer);
    expect_same(x.input_variance, y.input_variance, w + "input_variance");
    expect_same(x.input_token_variance, y.input_token_variance, w + "input_token_variance");
    expect_same(x.output_variance, y.output_variance, w + "output_variance");
    expect_same(x.output_token_variance, y.output_token_variance, w + "output_token_variance");
    expect_same(x.rms, y.rms, w + "rms");
    expect_same(x.attn_update_ratio, y.attn_update_ratio, w + "attn_update_ratio");
    expect_same(x.mlp_update_ratio, y.mlp_update_ratio, w + "mlp_update_ratio");
    expect_same(x.attn_norm_out_variance, y.attn_norm_out_variance, w + "attn_norm_out_variance");
    expect_same(x.mlp_norm_out_variance, y.mlp_norm_out_variance, w + "mlp_norm_out_variance");
    expect_same(x.block_influence, y.block_influence, w + "block_influence");
    expect_same(x.logit_lens_loss, y.logit_lens_loss, w + "logit_lens_loss");
    expect_same(x.angular_to_output_token_mean, y.angular_to_output_token_mean, w + "angular_token_mean");
    expect_same(x.angular_to_output_last_token, y.angular_to_output_last_token, w + "angular_last_token");
  }
  ASSERT_EQ(a.removal.size(), b.removal.size());
  for (std::size_t i = 0; i < a.removal.size(); ++i) {
    const LayerRemovalEntry &x = a.removal[i], &y = b.removal[i];
    const std::string w = "removal[" + std::to_string(i) + "].";
    EXPECT_EQ(x.layer, y.layer);
    expect_same(x.score, y.score, w + "score");
    expect_same(x.delta_loss, y.delta_loss, w + "delta_loss");
    expect_same(x.delta_ppl, y.delta_ppl, w + "delta_ppl");
    expect_same(x.delta_accuracy, y.delta_accuracy, w + "delta_accuracy");
    expect_same(x.delta_acc_norm, y.delta_acc_norm, w + "delta_acc_norm");
  }
  ASSERT_EQ(a.pruning.size(), b.pruning.size());
  for (std::size_t i = 0; i < a.pruning.size(); ++i) {
    EXPECT_EQ(a.pruning[i].removed_count, b.pruning[i].removed_count);
    EXPECT_EQ(a.pruning[i].layer, b.pruning[i].layer);
    EXPECT_EQ(a.pruning[i].removed, b.pruning[i].removed);
    expect_same(a.pruning[i].score, b.pruning[i].score, "pruning[" + std::to_string(i) + "].score");
  }
}

RemovalScore score(double loss, double acc) {
  RemovalScore s;
  s.loss = loss;
  s.ppl = std::exp(loss);
  s.accuracy = acc;
  s.acc_norm = acc * 0.9;
  s.acc_stderr = std::sqrt(acc * (1 - acc) / 7);
  return s;  // acc_norm_stderr stays NaN
}

// Three layers with NaN, +-Inf, -0, subnormals, 0.1 + 0.2 and random bit patterns.
AnalysisRecord sample_record() {
  AnalysisRecord r;
  std::mt19937_64 gen(2024);
  for (std::int64_t l = 1; l <= 3; ++l) {
    LayerStats s;
    s.layer = l;
    s.input_variance = 0.1 + 0.2;
    s.input_token_variance = 1.0 / 3.0 * static_cast<double>(l);
    s.output_variance = l == 2 ? kInf : 175.25 * static_cast<double>(l);
    s.output_token_variance = l == 3 ? kNaN : std::numeric_limits<double>::denorm_min();
    s.rms = l == 1 ? -0.0 : std::sqrt(2.0) * static_cast<double>(l);
    s.attn_update_ratio = l == 3 ? -kInf : 0.7;
    s.mlp_update_ratio = std::numeric_limits<double>::max();
    s.attn_norm_out_variance = std::numeric_limits<double>::min();
    s.block_influence = 1e-300;  // mlp_norm_out_variance stays NaN
    s.logit_lens_loss = l == 2 ? kNaN : 3.14159265358979323846 / static_cast<double>(l);
    for (std::int64_t k = 0; k < l; ++k) s.angular_to_output_token_mean.push_back(0.01 * static_cast<double>(k) + 0.1);
    if (l == 3) {
      s.angular_to_output_token_mean.push_back(kNaN);
      for (int i = 0; i < 500; ++i) {  // finite doubles drawn from every exponent
        std::uint64_t b = gen();
        double x;
        std::memcpy(&x, &b, sizeof x);
        if (std::isfinite(x)) s.angular_to_output_last_token.push_back(x);
      }
    }
    r.stats.push_back(s);
    LayerRemovalEntry e;
    e.layer = l;
    e.score = score(2.5 + 0.1 * static_cast<double>(l), 0.25 * static_cast<double>(l));
    e.delta_loss = 0.1 * static_cast<double>(l);
    e.delta_ppl = l == 3 ? kInf : 0.3;
    e.delta_accuracy = l == 1 ? kNaN : -0.05;  // delta_acc_norm stays NaN
    r.removal.push_back(e);
  }
  r.baseline = score(2.5, 0.6);
  r.baseline.acc_norm_stderr = 0.1 + 0.2;
  r.pruning = {{0, 0, {}, score(2.5, 0.5)}, {1, 2, {2}, score(3.5, 0.5)}, {2, 1, {1, 2}, score(4.5, kNaN)}};
  r.tokens = 123456789012;
  r.source = "wiki.test.raw \xC2\xB7 \"quoted\"\n";
  r.memory_estimate_bytes = std::int64_t(1) << 40;
  r.seconds = 12.345678901234567;
  r.computed_at = "2024-05-01T12:00:00Z";
  return r;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(AnalysisCache, RoundTripsEveryFieldBitExactly) {
  const fs::path dir = test::scratch_dir("analysis_cache_round_trip") / "cache";  // created by save
  const AnalysisRecord r = sample_record();
  save_analysis(dir, "fingerprint one", r);
  const fs::path file = analysis_cache_file(dir, "fingerprint one");
  EXPECT_EQ(file.parent_path(), dir);
  EXPECT_EQ(file.filename().string().size(), std::string("inspect-0123456789abcdef.json").size());
  EXPECT_EQ(nlohmann::json::parse(read_bytes(file)).at("format"), 1);
  const std::optional<AnalysisRecord> back = load_analysis(dir, "fingerprint one");
  ASSERT_TRUE(back.has_value());
  expect_same(r, *back);
  // Only the one file: the temporary was renamed away.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);

  // Saving again replaces the record; an empty time is stamped with the current one.
  AnalysisRecord again = r;
  again.tokens = 7;
  again.computed_at.clear();
  save_analysis(dir, "fingerprint one", again);
  const std::optional<AnalysisRecord> replaced = load_analysis(dir, "fingerprint one");
  ASSERT_TRUE(replaced.has_value());
  EXPECT_EQ(replaced->tokens, 7);
  ASSERT_EQ(replaced->computed_at.size(), std::string("2024-05-01T12:00:00Z").size());
  EXPECT_EQ(replaced->computed_at[10], 'T');
  EXPECT_EQ(replaced->computed_at.back(), 'Z');
}

TEST(AnalysisCache, FingerprintFollowsFilesAndEveryKeyField) {
  const fs::path dir = test::scratch_dir("analysis_cache_fingerprint");
  const fs::path model = dir / "model.bin";
  test::write_text(model, "abcd");
  const fs::file_time_type t0 = fs::last_write_time(model) - std::chrono::hours(1);
  fs::last_write_time(model, t0);
  AnalysisKey key;
  key.checkpoint = model.string();
  key.text = test::write_text(dir / "eval.txt", "some text");
  key.choices = test::write_text(dir / "choices.jsonl", "{}\n");
  key.max_tokens = 4096;
  key.n_ctx = 256;
  key.max_pruned = 5;
  key.device = "cpu";
  const std::string base = analysis_fingerprint(key);
  EXPECT_EQ(analysis_fingerprint(key), base);
  EXPECT_EQ(analysis_cache_file("d", base), analysis_cache_file("d", analysis_fingerprint(key)));

  fs::last_write_time(model, t0 + std::chrono::seconds(1));  // same size, another time
  EXPECT_NE(analysis_fingerprint(key), base);
  fs::last_write_time(model, t0);
  EXPECT_EQ(analysis_fingerprint(key), base);
  test::write_text(model, "abcdef");  // another size, same time
  fs::last_write_time(model, t0);
  const std::string resized = analysis_fingerprint(key);
  EXPECT_NE(resized, base);
  test::write_text(dir / "eval.txt", "other text, longer");
  EXPECT_NE(analysis_fingerprint(key), resized);
  const std::string retexted = analysis_fingerprint(key);
  test::write_text(dir / "choices.jsonl", "{}\n{}\n");
  EXPECT_NE(analysis_fingerprint(key), retexted);

  // A checkpoint folder: a file added directly inside changes it.
  const fs::path folder = dir / "ckpt";
  fs::create_directories(folder);
  test::write_text(folder / "config.json", "{}");
  test::write_text(folder / "model.safetensors", "weights");
  AnalysisKey fk = key;
  fk.checkpoint = folder.string();
  const std::string before = analysis_fingerprint(fk);
  EXPECT_EQ(analysis_fingerprint(fk), before);
  test::write_text(folder / "tokenizer.json", "{}");
  EXPECT_NE(analysis_fingerprint(fk), before);

  // Every key field counts; each change gives a fingerprint of its own.
  const std::vector<std::function<void(AnalysisKey&)>> changes = {
      [&](AnalysisKey& k) { k.checkpoint = (dir / "other.bin").string(); },  // missing: no throw
      [](AnalysisKey& k) { k.text = ""; },
      [](AnalysisKey& k) { k.choices = ""; },
      [](AnalysisKey& k) { k.max_tokens = 4097; },
      [](AnalysisKey& k) { k.n_ctx = 512; },
      [](AnalysisKey& k) { k.max_pruned = 6; },
      [](AnalysisKey& k) { k.device = "cuda:0"; }};
  std::set<std::string> seen = {analysis_fingerprint(key)};
  for (const auto& change : changes) {
    AnalysisKey k = key;
    change(k);
    EXPECT_TRUE(seen.insert(analysis_fingerprint(k)).second) << analysis_fingerprint(k);
  }
}

TEST(AnalysisCache, BadFilesReadAsAbsent) {
  const fs::path dir = test::scratch_dir("analysis_cache_bad_files");
  const AnalysisRecord r = sample_record();
  EXPECT_FALSE(load_analysis(dir, "never saved").has_value());
  EXPECT_FALSE(load_analysis(dir / "no such folder", "x").has_value());

  save_analysis(dir, "A", r);
  const std::string valid = read_bytes(analysis_cache_file(dir, "A"));
  ASSERT_TRUE(load_analysis(dir, "A").has_value());

  test::write_text(analysis_cache_file(dir, "truncated"), valid.substr(0, valid.size() / 2));
  EXPECT_FALSE(load_analysis(dir, "truncated").has_value());
  test::write_text(analysis_cache_file(dir, "garbage"), std::string("\0\xFF\xFE{garbage", 11));
  EXPECT_FALSE(load_analysis(dir, "garbage").has_value());
  test::write_text(analysis_cache_file(dir, "empty"), "");
  EXPECT_FALSE(load_analysis(dir, "empty").has_value());

  // A's file at B's path (as after a hash collision): B is absent, A still loads.
  fs::copy_file(analysis_cache_file(dir, "A"), analysis_cache_file(dir, "B"));
  EXPECT_FALSE(load_analysis(dir, "B").has_value());
  EXPECT_TRUE(load_analysis(dir, "A").has_value());

  nlohmann::json j = nlohmann::json::parse(valid);
  j["format"] = 2;
  test::write_text(analysis_cache_file(dir, "A"), j.dump());
  EXPECT_FALSE(load_analysis(dir, "A").has_value());
  j["format"] = 1;
  j["stats"][1]["rms"] = "abc";  // a field of the wrong type
  test::write_text(analysis_cache_file(dir, "A"), j.dump());
  EXPECT_FALSE(load_analysis(dir, "A").has_value());
  j["stats"][1]["rms"] = 1.5;
  j["removal"][0].erase("delta_ppl");  // a missing field
  test::write_text(analysis_cache_file(dir, "A"), j.dump());
  EXPECT_FALSE(load_analysis(dir, "A").has_value());
}

TEST(AnalysisCache, SaveNamesAFolderItCannotCreate) {
  const fs::path dir = test::scratch_dir("analysis_cache_unwritable");
  const fs::path plain = dir / "plain";
  test::write_text(plain, "a regular file");
  const fs::path target = plain / "cache";
  try {
    save_analysis(target, "fp", sample_record());
    FAIL() << "no error for " << target;
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace depthscope
