// Whole checkpoints: HF save/load of every family and NormScheme (identical tensors and
// logits), llama2.c v0/v1 round trips, and hostile or inconsistent files.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/hf_config.h"
#include "core/io/llama2c.h"
#include "core/io/summarize.h"
#include "core/model/transformer.h"
#include "tests/core/io/io_test_util.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

ModelConfig tiny(ModelFamily family) {
  ModelConfig c;
  c.family = family;
  c.vocab_size = 40;
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_layers = 3;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.max_position = 32;
  c.norm_eps = 1e-5;
  c.rope_theta = 10000.0;
  switch (family) {
    case ModelFamily::llama: break;
    case ModelFamily::qwen2: c.qkv_bias = true; c.tie_word_embeddings = true; break;
    case ModelFamily::qwen3: c.qk_norm = true; c.head_dim = 8; c.tie_word_embeddings = true; break;
    case ModelFamily::olmo2: c.qk_norm_full = true; c.head_dim = 8; c.norm_scheme = NormScheme::output; break;
    case ModelFamily::phi3:  // every layer slides (fused qkv_proj / gate_up_proj on disk)
      c.sliding_window = 5;
      c.sliding_layers = {true, true, true};
      break;
    case ModelFamily::gemma2:
    case ModelFamily::gemma3:  // every Gemma feature on, windows and caps that bite on 12 tokens
      c.head_dim = 8;
      c.norm_scheme = NormScheme::sandwich;
      c.activation = Activation::gelu_new;
      c.tie_word_embeddings = c.norm_plus_one = c.embed_sqrt_scale = true;
      c.query_pre_attn_scalar = 6;
      c.sliding_window = 4;
      c.sliding_layers = {true, false, true};
      if (family == ModelFamily::gemma2) {
        c.attn_softcap = 5;
        c.final_softcap = 30;
      } else {
        c.qk_norm = true;
        c.rope_local_theta = 100.0;
      }
      break;
    case ModelFamily::gpt2:
      c.num_kv_heads = 4;
      c.norm_kind = NormKind::layer;
      c.activation = Activation::gelu_new;
      c.gated_mlp = false;
      c.positions = PositionKind::learned;
      c.qkv_bias = c.out_bias = c.mlp_bias = true;
      c.tie_word_embeddings = true;
      break;
  }
  return c;
}

// A random model whose every tensor (norm gains and biases included) holds distinct noise,
// so a swapped or dropped tensor cannot go unnoticed.
Transformer noisy_model(const ModelConfig& c, std::uint64_t seed) {
  Transformer t = Transformer::random(c, seed);
  at::manual_seed(static_cast<std::uint64_t>(seed) + 1000);
  for (auto& [name, tensor] : named_tensors(t.mutable_weights(), c)) tensor->add_(at::randn_like(*tensor) * 0.1);
  return t;
}

at::Tensor sample_tokens(const ModelConfig& c) {
  return at::arange(0, 12, at::kLong).mul(7).remainder(c.vocab_size).unsqueeze(0);  // [1, 12]
}

void expect_same_tensors(const ModelConfig& c, const ModelWeights& a_in, const ModelWeights& b_in,
                         const std::string& what) {
  ModelWeights a = a_in, b = b_in;
  const auto na = named_tensors(a, c);
  const auto nb = named_tensors(b, c);
  ASSERT_EQ(na.size(), nb.size()) << what;
  for (std::size_t i = 0; i < na.size(); ++i) {
    EXPECT_EQ(na[i].first, nb[i].first) << what;
    EXPECT_TRUE(at::equal(*na[i].second, *nb[i].second)) << what << ": " << na[i].first;
  }
  EXPECT_TRUE(at::equal(a.lm_head, b.lm_head)) << what;
}

void expect_same_logits(const Transformer& original, const LoadedCheckpoint& loaded, const std::string& what) {
  const Transformer back(loaded.config, loaded.weights);
  const at::Tensor tokens = sample_tokens(original.config());
  EXPECT_TRUE(at::equal(original.forward(tokens), back.forward(tokens))) << what;
}

class HfRoundTrip : public ::testing::TestWithParam<std::tuple<ModelFamily, NormScheme>> {};

TEST_P(HfRoundTrip, SaveLoadGivesIdenticalTensorsAndLogits) {
  const auto [family, scheme] = GetParam();
  ModelConfig c = tiny(family);
  c.norm_scheme = scheme;
  const std::string what = to_string(family) + "/" + to_string(scheme);
  const Transformer model = noisy_model(c, 11);
  const fs::path dir = test::scratch_dir("hf_rt_" + to_string(family) + "_" + to_string(scheme));
  save_hf(dir.string(), c, model.weights());
  EXPECT_TRUE(fs::exists(dir / "config.json"));
  const LoadedCheckpoint ck = load_checkpoint(dir.string());
  EXPECT_EQ(ck.format, "hf-safetensors");
  EXPECT_EQ(ck.source_dtype, "F32");
  EXPECT_EQ(ck.config.norm_scheme, scheme == NormScheme::lns_gamma ? NormScheme::pre : scheme);  // saved as pre
  EXPECT_EQ(ck.config.family, family);
  expect_same_tensors(c, model.weights(), ck.weights, what);
  expect_same_logits(model, ck, what);

  // The same model as one .safetensors carrying its own config.
  const std::string single = (dir / "single.safetensors").string();
  save_depthscope_safetensors(single, c, model.weights());
  const LoadedCheckpoint ck2 = load_checkpoint(single);
  EXPECT_EQ(ck2.format, "safetensors+depthscope-config");
  expect_same_tensors(c, model.weights(), ck2.weights, what + " (single file)");
}

// Every family with every scheme defined for its norm (the RMSNorm-only placements skip GPT-2;
// HybridNorm's per-head q/k norms exclude OLMo 2's whole-projection ones).
std::vector<std::tuple<ModelFamily, NormScheme>> families_and_schemes() {
  std::vector<std::tuple<ModelFamily, NormScheme>> v;
  for (ModelFamily f : {ModelFamily::llama, ModelFamily::qwen2, ModelFamily::qwen3, ModelFamily::gpt2, ModelFamily::olmo2,
                        ModelFamily::gemma2, ModelFamily::gemma3, ModelFamily::phi3})
    for (NormScheme s : all_norm_schemes()) {
      if (!scheme_defined_for(s, tiny(f).norm_kind)) continue;
      if (tiny(f).norm_plus_one && s == NormScheme::dyt) continue;  // DyT is no (1 + w) RMSNorm
      if (tiny(f).qk_norm_full && (s == NormScheme::hybrid || s == NormScheme::hybrid_star)) continue;
      v.emplace_back(f, s);
    }
  return v;
}

INSTANTIATE_TEST_SUITE_P(
    EveryFamilyAndScheme, HfRoundTrip, ::testing::ValuesIn(families_and_schemes()),
    [](const auto& info) {
      return to_string(std::get<0>(info.param)) + "_" + to_string(std::get<1>(info.param));
    });

TEST(HfCheckpoint, Gpt2IsWrittenInGpt2Layout) {
  const ModelConfig c = tiny(ModelFamily::gpt2);
  const Transformer model = noisy_model(c, 3);
  const NamedTensors named = hf_named_tensors(c, model.weights());
  std::map<std::string, at::Tensor> by_name(named.begin(), named.end());
  ASSERT_TRUE(by_name.count("transformer.h.0.attn.c_attn.weight"));
  const at::Tensor& fused = by_name.at("transformer.h.0.attn.c_attn.weight");
  EXPECT_EQ(fused.sizes(), (std::vector<std::int64_t>{16, 48}));  // Conv1D [in, out]
  const LayerWeights& l0 = model.weights().layers[0];
  EXPECT_TRUE(at::equal(fused.narrow(1, 16, 16), l0.wk.t()));
  EXPECT_TRUE(at::equal(by_name.at("transformer.h.0.mlp.c_fc.weight"), l0.w_up.t()));
  EXPECT_TRUE(by_name.count("transformer.wpe.weight"));
  EXPECT_FALSE(by_name.count("lm_head.weight"));  // tied
}

// OLMo 2 as Hugging Face writes it: a plain olmo2 config.json (its output-norm placement is the
// family's own, so no DepthScope keys), the out-norms under OLMo 2's names, and q/k norms the
// size of the whole projections.
TEST(HfCheckpoint, Olmo2IsWrittenWithOlmo2NamesAndAPlainConfig) {
  const ModelConfig c = tiny(ModelFamily::olmo2);
  const Transformer model = noisy_model(c, 5);
  const fs::path dir = test::scratch_dir("hf_olmo2_names");
  save_hf(dir.string(), c, model.weights());
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "config.json"));
  EXPECT_EQ(j.at("model_type"), "olmo2");
  EXPECT_EQ(j.at("architectures"), nlohmann::json::array({"Olmo2ForCausalLM"}));
  for (const auto& [key, value] : j.items()) EXPECT_EQ(key.rfind("depthscope_", 0), std::string::npos) << key;
  const NamedTensors named = hf_named_tensors(c, model.weights());
  std::map<std::string, at::Tensor> by_name(named.begin(), named.end());
  const LayerWeights& l1 = model.weights().layers[1];
  ASSERT_TRUE(by_name.count("model.layers.1.post_attention_layernorm.weight"));
  EXPECT_TRUE(at::equal(by_name.at("model.layers.1.post_attention_layernorm.weight"), l1.attn_out_norm_w));
  EXPECT_TRUE(at::equal(by_name.at("model.layers.1.post_feedforward_layernorm.weight"), l1.mlp_out_norm_w));
  EXPECT_EQ(by_name.at("model.layers.1.self_attn.q_norm.weight").sizes(), (std::vector<std::int64_t>{4 * 8}));  // [H*hd]
  EXPECT_EQ(by_name.at("model.layers.1.self_attn.k_norm.weight").sizes(), (std::vector<std::int64_t>{2 * 8}));  // [KV*hd]
  for (const char* absent : {"model.layers.1.input_layernorm.weight", "model.layers.1.attn_out_norm.weight",
                             "model.layers.1.mlp_out_norm.weight", "model.layers.1.pre_feedforward_layernorm.weight"})
    EXPECT_FALSE(by_name.count(absent)) << absent;
  const LoadedCheckpoint ck = load_checkpoint(dir.string());
  EXPECT_EQ(ck.config.family, ModelFamily::olmo2);
  EXPECT_EQ(ck.config.norm_scheme, NormScheme::output);
  EXPECT_TRUE(ck.config.qk_norm_full);
  EXPECT_FALSE(ck.config.qk_norm);
  expect_same_logits(model, ck, "olmo2");
}

TEST(HfCheckpoint, ProgressPerTensorAndCancel) {
  const ModelConfig c = tiny(ModelFamily::llama);
  const fs::path dir = test::scratch_dir("hf_cancel");
  save_hf(dir.string(), c, Transformer::random(c, 1).weights());
  int reports = 0;
  double total = 0;
  load_checkpoint(dir.string(), RunControl([&](const Progress& p) { ++reports; total = p.total; }, nullptr));
  EXPECT_EQ(reports, 3 * 9 + 3);  // 9 tensors per layer + embedding, final norm, lm_head
  EXPECT_EQ(total, reports);
  std::atomic<bool> cancel{true};
  EXPECT_THROW(load_checkpoint(dir.string(), RunControl(nullptr, &cancel)), Cancelled);
}

TEST(HfCheckpoint, MissingWeightsFileNamesIt) {
  const fs::path dir = test::scratch_dir("hf_noweights");
  save_hf_config((dir / "config.json").string(), tiny(ModelFamily::llama));
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), dir.string());
    EXPECT_EQ(e.field(), "model.safetensors");
  }
}

TEST(HfCheckpoint, ConfigWantsATensorTheFileLacks) {
  const ModelConfig llama = tiny(ModelFamily::llama);
  const fs::path dir = test::scratch_dir("hf_missing_bias");
  save_hf(dir.string(), llama, Transformer::random(llama, 1).weights());
  ModelConfig qwen = llama;
  qwen.family = ModelFamily::qwen2;
  qwen.qkv_bias = true;
  save_hf_config((dir / "config.json").string(), qwen);
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), (dir / "model.safetensors").string());
    EXPECT_EQ(e.field(), "model.layers.0.self_attn.q_proj.bias");
  }
}

TEST(HfCheckpoint, FileHasATensorTheConfigDoesNotUse) {
  ModelConfig qwen = tiny(ModelFamily::qwen2);
  const fs::path dir = test::scratch_dir("hf_extra_bias");
  save_hf(dir.string(), qwen, Transformer::random(qwen, 1).weights());
  ModelConfig llama = qwen;
  llama.family = ModelFamily::llama;
  llama.qkv_bias = false;
  save_hf_config((dir / "config.json").string(), llama);
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_NE(e.field().find("_proj.bias"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("not used"), std::string::npos);
  }
}

TEST(HfCheckpoint, UnexpectedTensorName) {
  const ModelConfig c = tiny(ModelFamily::llama);
  const fs::path dir = test::scratch_dir("hf_unexpected");
  NamedTensors named = hf_named_tensors(c, Transformer::random(c, 1).weights());
  named.emplace_back("model.layers.7.mlp.up_proj.weight", at::zeros({24, 16}));
  save_safetensors((dir / "model.safetensors").string(), named);
  save_hf_config((dir / "config.json").string(), c);
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tensor 'model.layers.7.mlp.up_proj.weight'");
    EXPECT_NE(e.problem().find("unexpected tensor"), std::string::npos);
  }
}

TEST(HfCheckpoint, WrongShapeNamesTensor) {
  const ModelConfig c = tiny(ModelFamily::llama);
  const fs::path dir = test::scratch_dir("hf_shape");
  NamedTensors named = hf_named_tensors(c, Transformer::random(c, 1).weights());
  for (auto& [name, t] : named)
    if (name == "model.norm.weight") t = at::ones({17});
  save_safetensors((dir / "model.safetensors").string(), named);
  save_hf_config((dir / "config.json").string(), c);
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "model.norm.weight");
  }
}

TEST(HfCheckpoint, SingleFileWithoutConfigSaysWhatIsMissing) {
  const fs::path dir = test::scratch_dir("hf_noconfig");
  save_safetensors((dir / "w.safetensors").string(), {{"a", at::zeros({1})}});
  try {
    load_checkpoint((dir / "w.safetensors").string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "__metadata__.depthscope_config");
  }
}

// Shards written by hand: two files and an index.
fs::path write_sharded(const std::string& name, const ModelConfig& c, const ModelWeights& w) {
  const fs::path dir = test::scratch_dir(name);
  const NamedTensors named = hf_named_tensors(c, w);
  NamedTensors a(named.begin(), named.begin() + static_cast<std::ptrdiff_t>(named.size() / 2));
  NamedTensors b(named.begin() + static_cast<std::ptrdiff_t>(named.size() / 2), named.end());
  save_safetensors((dir / "model-00001-of-00002.safetensors").string(), a);
  save_safetensors((dir / "model-00002-of-00002.safetensors").string(), b);
  nlohmann::json index;
  for (const auto& [n, t] : a) index["weight_map"][n] = "model-00001-of-00002.safetensors";
  for (const auto& [n, t] : b) index["weight_map"][n] = "model-00002-of-00002.safetensors";
  test::write_text(dir / "model.safetensors.index.json", index.dump());
  save_hf_config((dir / "config.json").string(), c);
  return dir;
}

TEST(HfCheckpoint, ShardedRoundTrip) {
  const ModelConfig c = tiny(ModelFamily::qwen2);
  const Transformer model = noisy_model(c, 5);
  const fs::path dir = write_sharded("hf_sharded", c, model.weights());
  const LoadedCheckpoint ck = load_checkpoint(dir.string());
  EXPECT_EQ(ck.format, "hf-sharded");
  expect_same_tensors(c, model.weights(), ck.weights, "sharded");
}

TEST(HfCheckpoint, ShardOutsideTheFolderIsRefused) {
  const ModelConfig c = tiny(ModelFamily::llama);
  const fs::path dir = write_sharded("hf_shard_escape", c, Transformer::random(c, 1).weights());
  nlohmann::json index;
  index["weight_map"]["model.norm.weight"] = "../../etc/passwd";
  test::write_text(dir / "model.safetensors.index.json", index.dump());
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "weight_map.'model.norm.weight'");
  }
}

TEST(HfCheckpoint, IndexNamesATensorTheShardLacks) {
  const ModelConfig c = tiny(ModelFamily::llama);
  const fs::path dir = write_sharded("hf_shard_missing", c, Transformer::random(c, 1).weights());
  nlohmann::json index = nlohmann::json::parse(test::read_bytes(dir / "model.safetensors.index.json"));
  index["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";
  index["weight_map"]["model.embed_tokens.weight"] = "model-00002-of-00002.safetensors";
  test::write_text(dir / "model.safetensors.index.json", index.dump());
  try {
    load_checkpoint(dir.string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_NE(e.file().find("model-0000"), std::string::npos);
    EXPECT_NE(e.problem().find("absent from this shard"), std::string::npos);
  }
}

// --- llama2.c -----------------------------------------------------------------

ModelConfig llama2c_config(bool tied) {
  ModelConfig c = tiny(ModelFamily::llama);
  c.tie_word_embeddings = tied;
  return c;
}

TEST(Llama2c, PermutationIsInvertedOnExport) {
  const at::Tensor w = at::arange(8 * 3, at::kFloat).reshape({8, 3});  // 2 heads, head_dim 4
  const at::Tensor hf = llama2c_to_hf_rows(w, 2);
  // Head 0 rows in llama2.c order 0,1,2,3 (pairs (0,1),(2,3)) -> HF halves 0,2,1,3.
  EXPECT_TRUE(at::equal(hf[1], w[2]));
  EXPECT_TRUE(at::equal(hf[2], w[1]));
  EXPECT_TRUE(at::equal(hf[5], w[6]));
  EXPECT_TRUE(at::equal(hf_to_llama2c_rows(hf, 2), w));
}

class Llama2cRoundTrip : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(Llama2cRoundTrip, SaveLoadGivesIdenticalTensorsAndLogits) {
  const auto [version, tied] = GetParam();
  const ModelConfig c = llama2c_config(tied);
  const Transformer model = noisy_model(c, 21);
  const fs::path dir = test::scratch_dir("l2c_rt_" + std::to_string(version) + (tied ? "_tied" : "_untied"));
  const std::string path = (dir / "model.bin").string();
  save_llama2c(path, c, model.weights(), version);
  const LoadedCheckpoint ck = load_checkpoint(path);
  EXPECT_EQ(ck.format, version == 0 ? "llama2c-v0" : "llama2c-v1");
  EXPECT_EQ(ck.config.tie_word_embeddings, tied);
  EXPECT_EQ(ck.config.num_kv_heads, 2);
  EXPECT_EQ(ck.config.max_position, 32);
  expect_same_tensors(c, model.weights(), ck.weights, "llama2c");
  expect_same_logits(model, ck, "llama2c");
  const std::uintmax_t floats_per_layer = 2 * 16 + 16 * 16 * 2 + 2 * 16 * 8 + 3 * 16 * 24;
  std::uintmax_t expected = (version == 0 ? 28 : 256) + 4 * (3 * floats_per_layer + 40 * 16 + 16);
  if (version == 0) expected += 4 * 32 * 4;  // two RoPE tables [seq_len, head_size / 2]
  if (!tied) expected += 4 * 40 * 16;
  EXPECT_EQ(fs::file_size(path), expected);
}

INSTANTIATE_TEST_SUITE_P(V0AndV1, Llama2cRoundTrip,
                         ::testing::Combine(::testing::Values(0, 1), ::testing::Bool()));

FileError load_error(const std::string& path) {
  try {
    load_checkpoint(path);
  } catch (const FileError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a FileError";
  return FileError("", "", "");
}

TEST(Llama2c, TruncatedFile) {
  const ModelConfig c = llama2c_config(true);
  const fs::path dir = test::scratch_dir("l2c_trunc");
  const std::string path = (dir / "model.bin").string();
  save_llama2c(path, c, Transformer::random(c, 1).weights());
  auto bytes = test::read_bytes(path);
  bytes.resize(bytes.size() - 4);
  test::write_bytes(path, bytes);
  const FileError e = load_error(path);
  EXPECT_EQ(e.file(), path);
  EXPECT_EQ(e.field(), "weights");
  EXPECT_NE(e.problem().find("truncated"), std::string::npos);
}

TEST(Llama2c, TrailingBytes) {
  const ModelConfig c = llama2c_config(true);
  const fs::path dir = test::scratch_dir("l2c_trailing");
  const std::string path = (dir / "model.bin").string();
  save_llama2c(path, c, Transformer::random(c, 1).weights());
  auto bytes = test::read_bytes(path);
  bytes.resize(bytes.size() + 4);
  test::write_bytes(path, bytes);
  EXPECT_NE(load_error(path).problem().find("trailing bytes"), std::string::npos);
}

TEST(Llama2c, TruncatedHeader) {
  const fs::path dir = test::scratch_dir("l2c_header");
  test::write_bytes(dir / "model.bin", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(load_error((dir / "model.bin").string()).field(), "header");
}

std::vector<std::uint8_t> header_v0(std::vector<std::int32_t> p) {
  std::vector<std::uint8_t> b(p.size() * 4);
  std::memcpy(b.data(), p.data(), b.size());
  return b;
}

TEST(Llama2c, HostileHeaderValues) {
  const fs::path dir = test::scratch_dir("l2c_hostile");
  const std::string path = (dir / "model.bin").string();
  test::write_bytes(path, header_v0({-64, 172, 5, 8, 4, 512, 512}));
  EXPECT_EQ(load_error(path).field(), "header.dim");
  test::write_bytes(path, header_v0({64, 172, 5, 8, 3, 512, 512}));
  EXPECT_EQ(load_error(path).field(), "header.n_kv_heads");
  test::write_bytes(path, header_v0({64, 172, 5, 7, 7, 512, 512}));
  EXPECT_EQ(load_error(path).field(), "header.n_heads");
  // Sizes that would need petabytes: refused by the size check before any read.
  test::write_bytes(path, header_v0({65536, 262144, 1024, 8, 8, 4000000, 4000000}));
  const FileError e = load_error(path);
  EXPECT_EQ(e.field(), "weights");
  EXPECT_NE(e.problem().find("truncated"), std::string::npos);
}

TEST(Llama2c, UnsupportedVersion) {
  const fs::path dir = test::scratch_dir("l2c_version");
  std::vector<std::uint8_t> b(300, 0);
  const std::uint32_t magic = kLlama2cMagic;
  const std::int32_t version = 2;
  std::memcpy(b.data(), &magic, 4);
  std::memcpy(b.data() + 4, &version, 4);
  test::write_bytes(dir / "q8.bin", b);
  const FileError e = load_error((dir / "q8.bin").string());
  EXPECT_EQ(e.field(), "header.version");
}

TEST(Llama2c, ExportRefusesWhatRunCCannotRun) {
  const fs::path dir = test::scratch_dir("l2c_refuse");
  ModelConfig lns = llama2c_config(true);
  lns.norm_scheme = NormScheme::lns;
  try {
    save_llama2c((dir / "x.bin").string(), lns, Transformer::random(lns, 1).weights());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("LNS"), std::string::npos) << e.what();
  }
  const ModelConfig qwen = tiny(ModelFamily::qwen2);
  EXPECT_THROW(save_llama2c((dir / "y.bin").string(), qwen, Transformer::random(qwen, 1).weights()), UsageError);
  const ModelConfig olmo2 = tiny(ModelFamily::olmo2);
  try {
    save_llama2c((dir / "z.bin").string(), olmo2, Transformer::random(olmo2, 1).weights());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("olmo2"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "z.bin"));
  EXPECT_FALSE(fs::exists(dir / "x.bin"));
}

TEST(Summary, CountsParametersByComponentAndLayer) {
  const ModelConfig c = tiny(ModelFamily::llama);  // untied
  const fs::path dir = test::scratch_dir("summary");
  save_hf(dir.string(), c, Transformer::random(c, 1).weights());
  const ModelSummary s = summarize(load_checkpoint(dir.string()));
  EXPECT_EQ(s.family, "llama");
  EXPECT_EQ(s.scheme, display_name(NormScheme::pre));
  EXPECT_EQ(s.parameters.embeddings, 40 * 16);
  EXPECT_EQ(s.parameters.head, 40 * 16);
  EXPECT_EQ(s.parameters.attention, 3 * (16 * 16 * 2 + 8 * 16 * 2));
  EXPECT_EQ(s.parameters.mlp, 3 * (3 * 16 * 24));
  EXPECT_EQ(s.parameters.norms, 3 * 2 * 16 + 16);
  ASSERT_EQ(s.layer_parameters.size(), 3u);
  EXPECT_EQ(s.layer_parameters[0], 16 * 16 * 2 + 8 * 16 * 2 + 3 * 16 * 24 + 2 * 16);
  EXPECT_EQ(s.parameters.total(), c.parameter_count());
  EXPECT_EQ(s.memory_bytes, 4 * s.parameters.total());
  EXPECT_EQ(s.format, "hf-safetensors");
}

}  // namespace
}  // namespace depthscope
