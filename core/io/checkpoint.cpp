#include "core/io/checkpoint.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/io/gguf_file.h"
#include "core/io/gguf_model.h"
#include "core/io/hf_config.h"
#include "core/io/llama2c.h"
#include "core/io/phi3_layout.h"
#include "core/io/weight_slots.h"
#include "core/model/quantised_weight.h"
#include "core/model/resident_weights.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace fs = std::filesystem;

namespace {

// One tensor to read: where it lives and its name in the file.
struct Source {
  const SafetensorsFile* file;
  const SafetensorsEntry* entry;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string family_label(const ModelConfig& c) { return to_string(c.family); }

// Buffers some HF files carry that are not weights.
bool is_ignored_buffer(const std::string& name) {
  return ends_with(name, ".rotary_emb.inv_freq") || ends_with(name, ".attn.bias") ||
         ends_with(name, ".attn.masked_bias");
}

at::Tensor transposed(const at::Tensor& t, const SafetensorsFile& f, const std::string& name) {
  if (t.dim() != 2) throw FileError(f.path, "tensor '" + name + "'", "expected a 2-D Conv1D weight");
  return t.t().contiguous();
}

// GPT-2 names (optionally under "transformer."): Conv1D weights are [in, out] and c_attn
// fuses q, k and v along its output dimension. Returns false when `name` is not one of them.
bool assign_gpt2(const ModelConfig& c, ModelWeights& w, const SafetensorsFile& f, const std::string& stored,
                 const at::Tensor& t) {
  std::string name = starts_with(stored, "transformer.") ? stored.substr(12) : stored;
  if (name == "wte.weight") return w.tok_embeddings = t, true;
  if (name == "wpe.weight") return w.pos_embeddings = t, true;
  if (name == "ln_f.weight") return w.final_norm_w = t, true;
  if (name == "ln_f.bias") return w.final_norm_b = t, true;
  if (!starts_with(name, "h.")) return false;
  const std::size_t dot = name.find('.', 2);
  if (dot == std::string::npos) return false;
  const std::string index = name.substr(2, dot - 2);
  if (index.empty() || index.size() > 6 || index.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::int64_t layer = std::stoll(index);
  if (layer >= c.num_layers)
    throw FileError(f.path, "tensor '" + stored + "'",
                    "layer index " + index + " is out of range (config has " + std::to_string(c.num_layers) + " layers)");
  LayerWeights& lw = w.layers[static_cast<std::size_t>(layer)];
  const std::string rest = name.substr(dot + 1);
  const std::int64_t q = c.num_heads * c.resolved_head_dim(), kv = c.num_kv_heads * c.resolved_head_dim();
  auto split_qkv = [&](const at::Tensor& fused, at::Tensor& a, at::Tensor& b, at::Tensor& v) {
    if (fused.size(0) != q + 2 * kv)
      throw FileError(f.path, "tensor '" + stored + "'",
                      "fused q/k/v size " + std::to_string(fused.size(0)) + " does not match " +
                          std::to_string(q) + " + 2 * " + std::to_string(kv));
    a = fused.narrow(0, 0, q).contiguous();        // [q, ...]
    b = fused.narrow(0, q, kv).contiguous();       // [kv, ...]
    v = fused.narrow(0, q + kv, kv).contiguous();  // [kv, ...]
  };
  if (rest == "ln_1.weight") lw.attn_norm_w = t;
  else if (rest == "ln_1.bias") lw.attn_norm_b = t;
  else if (rest == "ln_2.weight") lw.mlp_norm_w = t;
  else if (rest == "ln_2.bias") lw.mlp_norm_b = t;
  else if (rest == "attn.c_attn.weight") split_qkv(transposed(t, f, stored), lw.wq, lw.wk, lw.wv);  // [d, 3d] -> [3d, d]
  else if (rest == "attn.c_attn.bias") {
    if (t.dim() != 1) throw FileError(f.path, "tensor '" + stored + "'", "expected a 1-D bias");
    split_qkv(t, lw.bq, lw.bk, lw.bv);
  } else if (rest == "attn.c_proj.weight") lw.wo = transposed(t, f, stored);
  else if (rest == "attn.c_proj.bias") lw.bo = t;
  else if (rest == "mlp.c_fc.weight") lw.w_up = transposed(t, f, stored);  // [d, ff] -> [ff, d]
  else if (rest == "mlp.c_fc.bias") lw.b_up = t;
  else if (rest == "mlp.c_proj.weight") lw.w_down = transposed(t, f, stored);  // [ff, d] -> [d, ff]
  else if (rest == "mlp.c_proj.bias") lw.b_down = t;
  else return false;
  return true;
}

// A slot the config does not use must not be filled from the file: a Qwen2 file opened with
// a Llama config would otherwise silently drop its biases. check_weights() is the judge of
// what the config requires.
void refuse_unused(ModelWeights& w, const ModelConfig& c, const std::map<const at::Tensor*, std::string>& filled,
                   const std::string& source) {
  const bool sandwich_layer_norm = c.norm_scheme == NormScheme::sandwich && c.norm_kind == NormKind::layer;
  for (const auto& [ptr, stored] : filled) {
    at::Tensor& t = const_cast<at::Tensor&>(*ptr);
    if (sandwich_layer_norm) {
      bool out_norm_bias = false;
      for (const LayerWeights& lw : w.layers)
        out_norm_bias |= ptr == &lw.attn_out_norm_b || ptr == &lw.mlp_out_norm_b;
      if (out_norm_bias) continue;
    }
    at::Tensor saved = t;
    t = at::Tensor();
    bool required = false;
    try {
      check_weights(w, c, source);
    } catch (const FileError&) {
      required = true;
    }
    t = saved;
    if (!required)
      throw FileError(source, "tensor '" + stored + "'",
                      "is not used by a " + family_label(c) + " model with this config.json (" +
                          display_name(c.norm_scheme) + "); the config and the weights disagree");
  }
}

// Files larger together than a quarter of physical memory: pages of F16/BF16 weights leave
// the resident set once a layer has been widened (MappedFile::set_release_after_read), so
// the peak RSS stays near one layer's pages instead of the whole file; the page cache keeps
// them while memory allows. DEPTHSCOPE_RELEASE_WEIGHT_PAGES=always|never overrides.
void release_pages_of_large_checkpoints(const std::vector<Source>& sources) {
  std::set<MappedFile*> files;
  std::int64_t bytes = 0;
  for (const Source& s : sources)
    if (files.insert(s.file->map.get()).second) bytes += static_cast<std::int64_t>(s.file->map->size());
  const char* env = std::getenv("DEPTHSCOPE_RELEASE_WEIGHT_PAGES");
  const std::string mode = env ? env : "";
  if (mode == "never" || (mode != "always" && bytes <= physical_memory_bytes() / 4)) return;
  for (MappedFile* f : files) f->set_release_after_read(true);
}

// Fills ModelWeights from the tensors of one or more safetensors files.
ModelWeights assign_tensors(const ModelConfig& c, const std::vector<Source>& sources, const std::string& source_name,
                            const RunControl& control) {
  ModelWeights w;
  w.layers.resize(static_cast<std::size_t>(c.num_layers));
  std::map<std::string, SlotRef> canonical;
  for (const auto& [name, ref] : canonical_slots(c)) canonical.emplace(name, ref);
  std::map<const at::Tensor*, std::string> filled;  // slot -> stored name
  const double total = static_cast<double>(sources.size());
  double done = 0;
  for (const Source& s : sources) {
    control.check_cancel();
    const std::string& name = s.entry->name;
    const std::string field = "tensor '" + name + "'";
    if (is_ignored_buffer(name) || (c.tie_word_embeddings && name == "lm_head.weight")) {
      control.report(++done, total, name);
      continue;
    }
    const at::Tensor t = read_tensor_as_stored(*s.file, *s.entry);  // F16/BF16 stay 2 bytes
    if (c.family == ModelFamily::gpt2) {
      // Note which slots the GPT-2 names fill by comparing before/after.
      ModelWeights before = w;
      if (assign_gpt2(c, w, *s.file, name, t)) {
        for (const ModelSlot& m : model_slots())
          if (!(w.*(m.member)).is_same(before.*(m.member))) {
            if ((before.*(m.member)).defined()) throw FileError(s.file->path, field, "appears twice");
            filled[&(w.*(m.member))] = name;
          }
        for (std::size_t l = 0; l < w.layers.size(); ++l)
          for (const LayerSlot& m : layer_slots())
            if (!(w.layers[l].*(m.member)).is_same(before.layers[l].*(m.member))) {
              if ((before.layers[l].*(m.member)).defined()) throw FileError(s.file->path, field, "appears twice");
              filled[&(w.layers[l].*(m.member))] = name;
            }
        control.report(++done, total, name);
        continue;
      }
    }
    if (c.family == ModelFamily::phi3 && assign_phi3_fused(c, w, s.file->path, name, t, filled)) {  // views
      control.report(++done, total, name);
      continue;
    }
    const auto it = canonical.find(name);
    if (it == canonical.end())
      throw FileError(s.file->path, field,
                      "unexpected tensor: not part of a " + family_label(c) + " model with " +
                          std::to_string(c.num_layers) + " layers (" + display_name(c.norm_scheme) + ")");
    at::Tensor& slot = slot_tensor(w, it->second);
    if (slot.defined()) throw FileError(s.file->path, field, "appears twice");
    slot = t;
    filled[&slot] = name;
    control.report(++done, total, name);
  }
  if (c.tie_word_embeddings) w.lm_head = w.tok_embeddings;
  refuse_unused(w, c, filled, source_name);
  check_weights(w, c, source_name);
  release_pages_of_large_checkpoints(sources);
  return w;
}

std::string dtype_summary(const std::vector<Source>& sources) {
  std::set<SafetensorsDtype> seen;
  for (const Source& s : sources) seen.insert(s.entry->dtype);
  std::string out;
  for (SafetensorsDtype d : {SafetensorsDtype::f32, SafetensorsDtype::f16, SafetensorsDtype::bf16})
    if (seen.count(d)) out += (out.empty() ? "" : "+") + std::string(to_string(d));
  return out.empty() ? "F32" : out;
}

std::vector<Source> all_tensors(const SafetensorsFile& f) {
  std::vector<Source> v;
  for (const SafetensorsEntry& e : f.header.tensors) v.push_back({&f, &e});
  return v;
}

LoadedCheckpoint load_single(const std::string& file, const ModelConfig& c, const std::string& format,
                             const std::string& path, const RunControl& control) {
  const SafetensorsFile f = open_safetensors(file);
  const std::vector<Source> sources = all_tensors(f);
  LoadedCheckpoint out;
  out.config = c;
  out.weights = assign_tensors(c, sources, file, control);
  out.path = path;
  out.format = format;
  out.source_dtype = dtype_summary(sources);
  return out;
}

LoadedCheckpoint load_sharded(const std::string& index_path, const ModelConfig& c, const std::string& path,
                              const RunControl& control) {
  std::ifstream in(index_path, std::ios::binary);
  if (!in) throw FileError(index_path, "", "cannot open (missing or unreadable)");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw FileError(index_path, "", std::string("malformed JSON: ") + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index.at("weight_map").is_object())
    throw FileError(index_path, "weight_map", "missing or not an object of tensor name -> shard file");
  const fs::path folder = fs::path(index_path).parent_path();
  std::map<std::string, SafetensorsFile> shards;
  std::vector<Source> sources;
  for (const auto& [name, shard_value] : index.at("weight_map").items()) {
    const std::string field = "weight_map.'" + name + "'";
    if (!shard_value.is_string()) throw FileError(index_path, field, "expected a shard file name");
    const std::string shard = shard_value.get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
        shard == "." || shard == "..")
      throw FileError(index_path, field, "shard '" + shard + "' must be a file name in the same folder");
    auto it = shards.find(shard);
    if (it == shards.end()) it = shards.emplace(shard, open_safetensors((folder / shard).string())).first;
    const SafetensorsEntry* e = it->second.header.find(name);
    if (!e)
      throw FileError(it->second.path, "tensor '" + name + "'",
                      "listed in " + fs::path(index_path).filename().string() + " but absent from this shard");
    sources.push_back({&it->second, e});
  }
  LoadedCheckpoint out;
  out.config = c;
  out.weights = assign_tensors(c, sources, index_path, control);
  out.path = path;
  out.format = "hf-sharded";
  out.source_dtype = dtype_summary(sources);
  return out;
}

LoadedCheckpoint load_hf_folder(const fs::path& folder, const std::string& path, const RunControl& control) {
  const fs::path config = folder / "config.json";
  const ModelConfig c = load_hf_config(config.string());
  if (fs::exists(folder / "model.safetensors"))
    return load_single((folder / "model.safetensors").string(), c, "hf-safetensors", path, control);
  if (fs::exists(folder / "model.safetensors.index.json"))
    return load_sharded((folder / "model.safetensors.index.json").string(), c, path, control);
  if (fs::exists(folder / "pytorch_model.bin") || fs::exists(folder / "pytorch_model.bin.index.json"))
    throw FileError(folder.string(), "pytorch_model.bin",
                    "PyTorch pickle checkpoints are not supported; convert to safetensors first");
  throw FileError(folder.string(), "model.safetensors",
                  "missing (looked for model.safetensors and model.safetensors.index.json)");
}

// A single .safetensors: its own DepthScope config, else config.json beside it.
LoadedCheckpoint load_safetensors_file(const std::string& path, const RunControl& control) {
  {
    const SafetensorsFile f = open_safetensors(path);
    const auto it = f.header.metadata.find("depthscope_config");
    if (it != f.header.metadata.end()) {
      const ModelConfig c = parse_hf_config_text(it->second, path + " (__metadata__.depthscope_config)");
      const std::vector<Source> sources = all_tensors(f);
      LoadedCheckpoint out;
      out.config = c;
      out.weights = assign_tensors(c, sources, path, control);
      out.path = path;
      out.format = "safetensors+depthscope-config";
      out.source_dtype = dtype_summary(sources);
      return out;
    }
  }
  const fs::path config = fs::path(path).parent_path() / "config.json";
  if (!fs::exists(config))
    throw FileError(path, "__metadata__.depthscope_config",
                    "missing, and there is no config.json beside the file: the model's shape is unknown");
  return load_single(path, load_hf_config(config.string()), "hf-safetensors", path, control);
}

// One file per extension; a folder is an HF folder when it has config.json, otherwise the
// single checkpoint file it holds.
LoadedCheckpoint dispatch(const std::string& path, const RunControl& control) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FileError(path, "", "file not found");
  if (fs::is_directory(path, ec)) {
    const fs::path folder(path);
    if (fs::exists(folder / "config.json")) return load_hf_folder(folder, path, control);
    std::vector<fs::path> candidates;
    for (const fs::directory_entry& e : fs::directory_iterator(folder, ec))
      if (e.is_regular_file() && (e.path().extension() == ".safetensors" || e.path().extension() == ".bin" ||
                                  e.path().extension() == ".gguf"))
        candidates.push_back(e.path());
    if (candidates.size() == 1) return dispatch(candidates[0].string(), control);
    throw FileError(path, "config.json",
                    candidates.empty() ? "missing, and the folder holds no .safetensors, .gguf or .bin checkpoint"
                                       : "missing, and the folder holds several checkpoints; open one of them");
  }
  if (ends_with(path, ".safetensors")) return load_safetensors_file(path, control);
  if (ends_with(path, ".safetensors.index.json")) {
    const fs::path folder = fs::path(path).parent_path();
    return load_sharded(path, load_hf_config((folder / "config.json").string()), path, control);
  }
  if (fs::path(path).filename() == "config.json") return load_hf_folder(fs::path(path).parent_path(), path, control);
  if (ends_with(path, ".gguf") || is_gguf_file(path)) return load_gguf(path, control);
  return load_llama2c(path, control);
}

// The slot a canonical tensor fills, for renaming on save.
std::map<const at::Tensor*, std::string> gpt2_names(ModelWeights& w) {
  std::map<const at::Tensor*, std::string> n;
  n[&w.tok_embeddings] = "transformer.wte.weight";
  n[&w.pos_embeddings] = "transformer.wpe.weight";
  n[&w.final_norm_w] = "transformer.ln_f.weight";
  n[&w.final_norm_b] = "transformer.ln_f.bias";
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    LayerWeights& lw = w.layers[l];
    const std::string p = "transformer.h." + std::to_string(l) + ".";
    n[&lw.attn_norm_w] = p + "ln_1.weight";
    n[&lw.attn_norm_b] = p + "ln_1.bias";
    n[&lw.mlp_norm_w] = p + "ln_2.weight";
    n[&lw.mlp_norm_b] = p + "ln_2.bias";
    n[&lw.bo] = p + "attn.c_proj.bias";
    n[&lw.b_up] = p + "mlp.c_fc.bias";
    n[&lw.b_down] = p + "mlp.c_proj.bias";
  }
  return n;
}

}  // namespace

LoadedCheckpoint load_checkpoint(const std::string& path, const RunControl& control) {
  LoadedCheckpoint out = dispatch(path, control);
  out.config.weight_bytes = resident_weight_bytes(out.weights);  // F16/BF16 stay 2 bytes; released pages count per layer
  return out;
}

NamedTensors hf_named_tensors(const ModelConfig& c, const ModelWeights& weights) {
  ModelWeights w = weights;  // shallow: tensor handles are shared, aliasing kept
  NamedTensors out;
  if (c.family != ModelFamily::gpt2) {
    for (const auto& [name, t] : named_tensors(w, c)) out.emplace_back(name, dequantised_weight(*t));  // GGUF blocks as float32
    return c.family == ModelFamily::phi3 ? phi3_fused_tensors(c, out) : out;  // qkv_proj, gate_up_proj
  }
  // GPT-2 layout: Conv1D [in, out] weights, q/k/v fused into c_attn.
  const std::map<const at::Tensor*, std::string> renamed = gpt2_names(w);
  std::set<const at::Tensor*> fused;
  for (LayerWeights& lw : w.layers)
    for (const at::Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.bq, &lw.bk, &lw.bv, &lw.wo, &lw.w_up, &lw.w_down})
      fused.insert(t);
  for (const auto& [name, t] : named_tensors(w, c)) {
    const auto r = renamed.find(t);
    if (r != renamed.end()) out.emplace_back(r->second, *t);
    else if (!fused.count(t)) out.emplace_back(name, *t);  // scheme-specific: canonical name
  }
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    LayerWeights& lw = w.layers[l];
    const std::string p = "transformer.h." + std::to_string(l) + ".";
    out.emplace_back(p + "attn.c_attn.weight", at::cat({lw.wq, lw.wk, lw.wv}, 0).t().contiguous());  // [d, q+2kv]
    if (lw.bq.defined()) out.emplace_back(p + "attn.c_attn.bias", at::cat({lw.bq, lw.bk, lw.bv}, 0));
    out.emplace_back(p + "attn.c_proj.weight", lw.wo.t().contiguous());    // [q, d]
    out.emplace_back(p + "mlp.c_fc.weight", lw.w_up.t().contiguous());     // [d, ff]
    out.emplace_back(p + "mlp.c_proj.weight", lw.w_down.t().contiguous()); // [ff, d]
  }
  return out;
}

void save_hf(const std::string& folder, const ModelConfig& c, const ModelWeights& w, SafetensorsDtype dtype) {
  check_weights(w, c, "model to save");
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw FileError(folder, "", "cannot create folder: " + ec.message());
  save_safetensors((fs::path(folder) / "model.safetensors").string(), hf_named_tensors(c, w), {{"format", "pt"}}, dtype);
  save_hf_config((fs::path(folder) / "config.json").string(), c);
}

void save_depthscope_safetensors(const std::string& path, const ModelConfig& c, const ModelWeights& w,
                                 SafetensorsDtype dtype) {
  check_weights(w, c, "model to save");
  save_safetensors(path, hf_named_tensors(c, w), {{"format", "pt"}, {"depthscope_config", hf_config_text(c)}},
                   dtype);
}

}  // namespace depthscope
