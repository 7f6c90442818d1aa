#include "core/train/train_spec.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/io/json_text.h"
#include "core/train/presets.h"

namespace depthscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string> kFields = {
    "name", "model", "schemes", "corpus", "steps", "batch", "seq", "lr", "warmup", "min_lr_ratio",
    "optimizer", "weight_decay", "clip", "accumulate", "seed", "seeds", "eval_every", "eval_tokens",
    "layer_metrics_every", "checkpoint_every", "divergence_margin", "divergence_patience", "threads", "device",
    "dtype", "init", "data_format", "removal_at_end", "gpas"};
const std::vector<std::string> kModelFields = {"preset", "family", "layers", "hidden", "ffn",
                                               "heads", "kv_heads", "head_dim", "rope_theta",
                                               "dyt_alpha_attn", "dyt_alpha_ffn", "dyt_alpha_final"};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Reads typed fields of one JSON object, naming `prefix.key` in every error.
class Fields {
 public:
  Fields(const json& j, std::string source, std::string prefix, const std::vector<std::string>& known)
      : j_(j), source_(std::move(source)), prefix_(std::move(prefix)) {
    if (!j.is_object()) fail("", "must be a JSON object");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::find(known.begin(), known.end(), it.key()) == known.end())
        fail(it.key(), "is not a spec field (known: " + joined(known) + ")");
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw FileError(source_, prefix_.empty() ? key : (key.empty() ? prefix_ : prefix_ + "." + key), problem);
  }
  bool has(const char* key) const { return j_.contains(key); }
  bool boolean(const char* key, bool def) const {
    if (!has(key)) return def;
    if (!j_.at(key).is_boolean()) fail(key, "must be true or false (got " + j_.at(key).dump() + ")");
    return j_.at(key).get<bool>();
  }
  const json& at(const char* key) const { return j_.at(key); }

  std::int64_t integer(const char* key, std::int64_t def, std::int64_t min, std::int64_t max = INT64_MAX) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (!v.is_number_integer()) fail(key, "must be an integer (got " + v.dump() + ")");
    const auto range = [&] {
      return "must be at least " + std::to_string(min) +
             (max == INT64_MAX ? "" : " and at most " + std::to_string(max)) + " (got " + v.dump() + ")";
    };
    // A whole number above INT64_MAX is held as unsigned: get<int64_t>() would wrap it.
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) fail(key, range());
    const std::int64_t x = v.get<std::int64_t>();
    if (x < min || x > max) fail(key, range());
    return x;
  }
  // The full range 0 .. 2^64 - 1 (a seed).
  std::uint64_t unsigned_integer(const char* key, std::uint64_t def) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
    fail(key, "must be a whole number from 0 to " + std::to_string(UINT64_MAX) + " (got " + v.dump() + ")");
  }
  double number(const char* key, double def, double min, double max) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (!v.is_number()) fail(key, "must be a number");
    const double x = v.get<double>();
    if (!(x >= min && x <= max)) {
      std::ostringstream o;
      o << "must be in [" << min << ", " << max << "] (got " << x << ")";
      fail(key, o.str());
    }
    return x;
  }
  std::string text(const char* key, const std::string& def) const {
    if (!has(key)) return def;
    if (!j_.at(key).is_string()) fail(key, "must be a string");
    return j_.at(key).get<std::string>();
  }

 private:
  const json& j_;
  std::string source_, prefix_;
};

std::string resolve(const std::string& path, const std::string& base) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

ModelConfig model_from(const json& j, const std::string& source, std::string& preset) {
  Fields f(j, source, "model", kModelFields);
  ModelConfig c;
  if (f.has("preset")) {
    preset = f.text("preset", "");
    for (const char* k : {"family", "layers", "hidden", "ffn", "heads", "kv_heads", "head_dim"})
      if (f.has(k)) f.fail(k, "cannot be combined with a preset");
    try {
      c = preset_config(preset);
    } catch (const UsageError& e) {
      f.fail("preset", e.what());
    }
  } else {
    for (const char* k : {"layers", "hidden", "heads"})
      if (!f.has(k)) f.fail(k, "is required without a preset");
    try {
      c.family = parse_model_family(f.text("family", "llama"));
    } catch (const UsageError& e) {
      f.fail("family", e.what());
    }
    if (c.family != ModelFamily::llama) f.fail("family", "training builds Llama-family models (llama)");
    c.num_layers = f.integer("layers", 0, 1, 1024);
    c.hidden_size = f.integer("hidden", 0, 8, 65536);
    c.num_heads = f.integer("heads", 0, 1, 1024);
    c.num_kv_heads = f.integer("kv_heads", c.num_heads, 1, 1024);
    c.head_dim = f.integer("head_dim", 0, 0, 4096);
    c.intermediate_size = f.integer("ffn", (c.hidden_size * 8 / 3 + 7) / 8 * 8, 1, 1 << 20);
    c.tie_word_embeddings = false;
  }
  c.rope_theta = f.number("rope_theta", c.rope_theta, 1.0, 1e9);
  // DyT's initial alpha per site (used by the dyt scheme only).
  c.dyt_alpha_attn = f.number("dyt_alpha_attn", c.dyt_alpha_attn, 0.0, 1e3);
  c.dyt_alpha_ffn = f.number("dyt_alpha_ffn", c.dyt_alpha_ffn, 0.0, 1e3);
  c.dyt_alpha_final = f.number("dyt_alpha_final", c.dyt_alpha_final, 0.0, 1e3);
  try {
    c.validate();
  } catch (const UsageError& e) {
    f.fail("", e.what());
  }
  return c;
}

}  // namespace

std::int64_t TrainSpec::resolved_warmup() const { return warmup >= 0 ? warmup : steps / 10; }
std::int64_t TrainSpec::resolved_eval_every() const {
  return eval_every > 0 ? eval_every : std::max<std::int64_t>(1, steps / 10);
}
std::int64_t TrainSpec::resolved_layer_metrics_every() const {
  return layer_metrics_every > 0 ? layer_metrics_every : std::max<std::int64_t>(1, steps / 20);
}

ModelConfig TrainSpec::run_config(NormScheme scheme, std::int64_t vocab_size) const {
  ModelConfig c = model;
  c.norm_scheme = scheme;
  c.gpas = gpas;
  c.vocab_size = vocab_size;
  c.max_position = std::max<std::int64_t>(seq, 1);
  c.bos_id = -1;
  c.eos_id = -1;
  c.validate();
  return c;
}

TrainSpec parse_train_spec(const json& j, const std::string& source, const std::string& base_dir) {
  Fields f(j, source, "", kFields);
  TrainSpec s;
  s.source = source;
  s.json = j.dump();
  s.name = f.text("name", s.name);
  if (s.name.empty()) f.fail("name", "must not be empty");
  s.init = resolve(f.text("init", ""), base_dir);
  if (f.has("model")) {
    if (!s.init.empty()) f.fail("model", "is taken from the init checkpoint when fine-tuning; leave it out");
    s.model = model_from(f.at("model"), source, s.preset);
  } else if (s.init.empty()) {
    f.fail("model", "is required ({\"preset\": \"tiny\"} or explicit dimensions), or \"init\" to fine-tune");
  }

  if (f.has("schemes")) {
    const json& v = f.at("schemes");
    if (!v.is_array() || v.empty()) f.fail("schemes", "must be a non-empty list such as [\"pre\", \"lns\"]");
    s.schemes.clear();
    std::set<NormScheme> seen;
    for (const json& x : v) {
      if (!x.is_string()) f.fail("schemes", "must hold scheme names");
      try {
        const NormScheme sc = parse_norm_scheme(x.get<std::string>());
        if (!seen.insert(sc).second) f.fail("schemes", "names " + x.get<std::string>() + " twice");
        s.schemes.push_back(sc);
      } catch (const UsageError& e) {
        f.fail("schemes", e.what());
      }
    }
  }

  if (f.has("gpas")) {
    if (!f.at("gpas").is_boolean()) f.fail("gpas", "must be true or false");
    s.gpas = f.at("gpas").get<bool>();
  }

  if (!f.has("corpus")) f.fail("corpus", "is required ({\"dir\": CORPUS_DIR} or {\"text\": [FILES], \"tokenizer\": ...})");
  const json& corpus = f.at("corpus");
  if (!corpus.is_object()) f.fail("corpus", "must be a JSON object");
  if (corpus.contains("dir")) {
    if (corpus.size() != 1) f.fail("corpus", "takes either \"dir\" alone or \"text\" with \"tokenizer\"");
    if (!corpus["dir"].is_string()) f.fail("corpus.dir", "must be a folder path");
    s.corpus_dir = resolve(corpus["dir"].get<std::string>(), base_dir);
  } else {
    try {
      s.corpus_text = corpus_options_from_json(corpus, "corpus");
      check_corpus_options(s.corpus_text);
    } catch (const UsageError& e) {
      f.fail("corpus", e.what());
    }
    for (std::string& t : s.corpus_text.text_files) t = resolve(t, base_dir);
    s.corpus_from_text = true;
  }

  s.steps = f.integer("steps", s.steps, 1, 100000000);
  s.batch = f.integer("batch", s.batch, 1, 1 << 20);
  s.seq = f.integer("seq", s.seq, 2, 1 << 20);
  s.lr = f.number("lr", s.lr, 0.0, 10.0);
  s.warmup = f.integer("warmup", s.warmup, 0, s.steps);
  s.min_lr_ratio = f.number("min_lr_ratio", s.min_lr_ratio, 0.0, 1.0);
  s.optimizer = f.text("optimizer", s.optimizer);
  if (s.optimizer != "adam" && s.optimizer != "adamw") f.fail("optimizer", "must be adam or adamw");
  s.weight_decay = f.number("weight_decay", s.weight_decay, 0.0, 10.0);
  if (s.weight_decay > 0 && s.optimizer != "adamw") f.fail("weight_decay", "needs \"optimizer\": \"adamw\"");
  s.clip = f.number("clip", s.clip, 0.0, 1e12);
  s.accumulate = f.integer("accumulate", s.accumulate, 1, 1 << 16);
  s.seed = f.unsigned_integer("seed", 0);
  s.seeds = {s.seed};
  if (f.has("seeds")) {
    // Each seed is one run per scheme: the seed sets the initial weights and the data order.
    if (f.has("seed")) f.fail("seeds", "cannot be combined with \"seed\" (put every seed in the list)");
    const json& v = f.at("seeds");
    if (!v.is_array() || v.empty() || v.size() > 64)
      f.fail("seeds", "must be a list of 1 to 64 whole numbers such as [1, 2, 3] (got " + v.dump() + ")");
    s.seeds.clear();
    for (const json& x : v) {
      if (!(x.is_number_unsigned() || (x.is_number_integer() && x.get<std::int64_t>() >= 0)))
        f.fail("seeds", "must hold whole numbers >= 0 (got " + x.dump() + ")");
      const std::uint64_t seed = x.get<std::uint64_t>();
      if (std::find(s.seeds.begin(), s.seeds.end(), seed) != s.seeds.end())
        f.fail("seeds", "names " + std::to_string(seed) + " twice");
      s.seeds.push_back(seed);
    }
    s.seed = s.seeds.front();
  }
  s.removal_at_end = f.boolean("removal_at_end", s.removal_at_end);
  s.eval_every = f.integer("eval_every", s.eval_every, 0);
  s.eval_tokens = f.integer("eval_tokens", s.eval_tokens, 1);
  s.layer_metrics_every = f.integer("layer_metrics_every", s.layer_metrics_every, 0);
  s.checkpoint_every = f.integer("checkpoint_every", s.checkpoint_every, 0);
  s.divergence_margin = f.number("divergence_margin", s.divergence_margin, 0.0, 1e6);
  s.divergence_patience = f.integer("divergence_patience", s.divergence_patience, 0);
  s.threads = static_cast<int>(f.integer("threads", 0, 0, 4096));
  s.device = f.text("device", s.device);
  ComputeDevice device;
  try {
    device = parse_device(s.device, "device");
  } catch (const UsageError& e) {
    f.fail("device", e.what());
  }
  try {
    s.dtype = parse_train_dtype(f.text("dtype", to_string(s.dtype)));
  } catch (const UsageError& e) {
    f.fail("dtype", e.what());
  }
  if (const std::string problem = train_device_problem(device); !problem.empty()) f.fail("device", problem);
  if (const std::string problem = train_dtype_problem(s.dtype, device); !problem.empty()) f.fail("dtype", problem);
  s.data_format = f.text("data_format", s.data_format);
  if (s.data_format != "text" && s.data_format != "jsonl") f.fail("data_format", "must be text or jsonl");
  if (s.data_format == "jsonl") {
    // corpus.text are JSONL {"prompt", "response"} files, tokenized as they are read.
    if (!s.corpus_from_text || s.corpus_text.text_files.empty())
      f.fail("corpus", "with \"data_format\": \"jsonl\" names the JSONL files: {\"text\": [\"data.jsonl\"]}");
    if (corpus.contains("tokenizer")) {
      s.jsonl_tokenizer = s.corpus_text.tokenizer;
      if (s.jsonl_tokenizer.rfind("bpe:", 0) == 0 || s.jsonl_tokenizer.rfind("unigram:", 0) == 0)
        f.fail("corpus.tokenizer", "must be bytes or a tokenizer file for JSONL data (the model's own, usually)");
      if (s.jsonl_tokenizer != "bytes") s.jsonl_tokenizer = resolve(s.jsonl_tokenizer, base_dir);
    }
  }
  return s;
}

TrainSpec parse_train_spec_text(const std::string& text, const std::string& source, const std::string& base_dir) {
  return parse_train_spec(parse_json_text(text, source), source, base_dir);
}

TrainSpec read_train_spec(const std::string& path) { return read_train_spec(path, json::object()); }

TrainSpec read_train_spec(const std::string& path, const json& overrides) {
  std::ifstream in(path);
  if (!in) throw FileError(path, "", "cannot read the spec file");
  std::stringstream ss;
  ss << in.rdbuf();
  const fs::path base = fs::absolute(path).parent_path();
  json j = parse_json_text(ss.str(), path);
  if (!j.is_object()) throw FileError(path, "", "must be a JSON object");
  for (auto it = overrides.begin(); it != overrides.end(); ++it) j[it.key()] = it.value();
  return parse_train_spec(j, path, base.string());
}

}  // namespace depthscope
