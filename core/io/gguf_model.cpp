#include "core/io/gguf_model.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <set>

#include "core/error.h"
#include "core/io/gguf_file.h"
#include "core/io/llama2c.h"
#include "core/io/gguf_dequant.h"
#include "core/model/quantised_weight.h"
#include "core/runtime/memory.h"

namespace depthscope {

namespace {

std::int64_t bounded(const GgufHeader& h, const std::string& key, std::int64_t v, std::int64_t max) {
  if (v < 1 || v > max)
    throw FileError(h.path, key, "is " + std::to_string(v) + ", expected 1.." + std::to_string(max));
  return v;
}

// The slot of a `blk.N.<rest>` tensor, or nullptr when llama.cpp's name is not one DepthScope
// runs.
at::Tensor* layer_slot(LayerWeights& lw, const std::string& rest) {
  if (rest == "attn_norm.weight") return &lw.attn_norm_w;
  if (rest == "attn_q.weight") return &lw.wq;
  if (rest == "attn_k.weight") return &lw.wk;
  if (rest == "attn_v.weight") return &lw.wv;
  if (rest == "attn_q.bias") return &lw.bq;
  if (rest == "attn_k.bias") return &lw.bk;
  if (rest == "attn_v.bias") return &lw.bv;
  if (rest == "attn_output.weight") return &lw.wo;
  if (rest == "ffn_norm.weight") return &lw.mlp_norm_w;
  if (rest == "ffn_gate.weight") return &lw.w_gate;
  if (rest == "ffn_up.weight") return &lw.w_up;
  if (rest == "ffn_down.weight") return &lw.w_down;
  return nullptr;
}

at::Tensor* model_slot(ModelWeights& w, const std::string& name) {
  if (name == "token_embd.weight") return &w.tok_embeddings;
  if (name == "output_norm.weight") return &w.final_norm_w;
  if (name == "output.weight") return &w.lm_head;
  return nullptr;
}

// llama.cpp's converter permutes the q/k rows of each head from rotate-halves order to
// adjacent pairs (convert_hf_to_gguf.py, LlamaModel.permute): the same permutation as
// llama2.c's, undone by llama2c_to_hf_rows. A bias [rows] is permuted as a [rows, 1] matrix.
at::Tensor unpermute_rows(const at::Tensor& t, std::int64_t heads) {
  if (t.dim() == 1) return llama2c_to_hf_rows(t.reshape({t.size(0), 1}), heads).reshape({t.size(0)});
  return llama2c_to_hf_rows(t, heads);  // [heads*hd, d]
}

// Row r of the HF order is row rows_from[r] of the converter's order (the inverse of its
// permutation, as llama2c_to_hf_rows applies it): within head h, HF row h*hd + j*hd/2 + i is
// stored row h*hd + 2i + j.
std::vector<std::int64_t> unpermuted_row_order(std::int64_t rows, std::int64_t heads) {
  const std::int64_t hd = rows / heads;
  std::vector<std::int64_t> from(static_cast<std::size_t>(rows));
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t j = 0; j < 2; ++j)
      for (std::int64_t i = 0; i < hd / 2; ++i)
        from[static_cast<std::size_t>(h * hd + j * hd / 2 + i)] = h * hd + 2 * i + j;
  return from;
}

bool plain_type(GgmlType t) { return t == GgmlType::f32 || t == GgmlType::f16 || t == GgmlType::bf16; }

std::string type_summary(const GgufHeader& h) {
  std::set<std::string> seen;
  std::string out;
  for (const GgufTensorInfo& t : h.tensors)
    if (seen.insert(ggml_type_label(t.type)).second) out += (out.empty() ? "" : "+") + ggml_type_label(t.type);
  return out.empty() ? "F32" : out;
}

}  // namespace

ModelConfig gguf_model_config(const GgufHeader& h) {
  const std::string arch = h.get_string("general.architecture");
  ModelConfig c;
  if (arch == "llama") c.family = ModelFamily::llama;
  else if (arch == "qwen2") c.family = ModelFamily::qwen2;
  else
    throw FileError(h.path, "general.architecture",
                    "architecture '" + arch + "' is not supported (DepthScope runs GGUF files of llama and qwen2)");
  const std::string p = arch + ".";
  c.num_layers = bounded(h, p + "block_count", h.get_int(p + "block_count"), 4096);
  c.hidden_size = bounded(h, p + "embedding_length", h.get_int(p + "embedding_length"), 1 << 17);
  c.intermediate_size = bounded(h, p + "feed_forward_length", h.get_int(p + "feed_forward_length"), 1 << 20);
  c.num_heads = bounded(h, p + "attention.head_count", h.get_int(p + "attention.head_count"), 4096);
  c.num_kv_heads =
      bounded(h, p + "attention.head_count_kv", h.get_int(p + "attention.head_count_kv", c.num_heads), c.num_heads);
  c.max_position = bounded(h, p + "context_length", h.get_int(p + "context_length", 2048), std::int64_t{1} << 24);
  c.rope_theta = h.get_number(p + "rope.freq_base", 10000.0);
  c.norm_eps = h.get_number(p + "attention.layer_norm_rms_epsilon", c.family == ModelFamily::qwen2 ? 1e-6 : 1e-5);
  if (!(c.rope_theta > 0)) throw FileError(h.path, p + "rope.freq_base", "must be positive");
  if (!(c.norm_eps > 0)) throw FileError(h.path, p + "attention.layer_norm_rms_epsilon", "must be positive");
  const std::int64_t hd = h.get_int(p + "attention.key_length", c.hidden_size / c.num_heads);
  if (h.get_int(p + "attention.value_length", hd) != hd)
    throw FileError(h.path, p + "attention.value_length", "differs from attention.key_length; not supported");
  c.head_dim = hd == c.hidden_size / c.num_heads ? 0 : bounded(h, p + "attention.key_length", hd, 1 << 12);
  if (h.get_int(p + "rope.dimension_count", hd) != hd)
    throw FileError(h.path, p + "rope.dimension_count",
                    "RoPE over part of each head (partial rotary) is not supported; DepthScope rotates the whole head");
  const std::string scaling = h.get_string(p + "rope.scaling.type", "none");
  if (scaling != "none" && !(scaling == "linear" && h.get_number(p + "rope.scaling.factor", 1.0) == 1.0))
    throw FileError(h.path, p + "rope.scaling.type",
                    "RoPE scaling '" + scaling + "' is not supported (DepthScope implements plain RoPE)");
  const GgufTensorInfo* embd = h.tensor("token_embd.weight");
  if (!embd || embd->dims.size() != 2) throw FileError(h.path, "tensor 'token_embd.weight'", "missing or not 2-D");
  c.vocab_size = embd->dims[1];
  if (h.get_int(p + "vocab_size", c.vocab_size) != c.vocab_size)
    throw FileError(h.path, p + "vocab_size", "disagrees with token_embd.weight's " + std::to_string(c.vocab_size) + " rows");
  c.qkv_bias = c.family == ModelFamily::qwen2 || h.tensor("blk.0.attn_q.bias") != nullptr;
  c.tie_word_embeddings = h.tensor("output.weight") == nullptr;
  c.bos_id = h.get_int("tokenizer.ggml.bos_token_id", c.bos_id);
  c.eos_id = h.get_int("tokenizer.ggml.eos_token_id", c.eos_id);
  try {
    c.validate();
  } catch (const UsageError& e) {
    throw FileError(h.path, p + "*", e.what());
  }
  return c;
}

LoadedCheckpoint load_gguf(const std::string& path, const RunControl& control) {
  const GgufFile f = open_gguf(path);
  // As for safetensors (checkpoint.cpp): a file larger than a quarter of physical memory has its
  // pages leave the resident set once a layer has been read (a 7B Q4_K_M file is 4 GB);
  // DEPTHSCOPE_RELEASE_WEIGHT_PAGES=always|never overrides.
  const char* release = std::getenv("DEPTHSCOPE_RELEASE_WEIGHT_PAGES");
  const std::string mode = release ? release : "";
  if (mode == "always" ||
      (mode != "never" && static_cast<std::int64_t>(f.map->size()) > physical_memory_bytes() / 4))
    f.map->set_release_after_read(true);
  LoadedCheckpoint out;
  out.path = path;
  out.format = "gguf";
  out.source_dtype = type_summary(f.header);
  out.config = gguf_model_config(f.header);
  const ModelConfig& c = out.config;
  ModelWeights& w = out.weights;
  w.layers.resize(static_cast<std::size_t>(c.num_layers));
  const bool permuted = c.family == ModelFamily::llama;
  const double total = static_cast<double>(f.header.tensors.size());
  double done = 0;
  for (const GgufTensorInfo& t : f.header.tensors) {
    control.check_cancel();
    const std::string field = "tensor '" + t.name + "'";
    if (t.name == "rope_freqs.weight")
      throw FileError(path, field, "RoPE frequency factors (Llama 3.1 RoPE scaling) are not supported");
    at::Tensor* slot = model_slot(w, t.name);
    bool q = false, k = false, is_layer_matrix = false;
    if (!slot && t.name.rfind("blk.", 0) == 0) {
      const std::size_t dot = t.name.find('.', 4);
      const std::string index = dot == std::string::npos ? "" : t.name.substr(4, dot - 4);
      if (!index.empty() && index.size() <= 6 && index.find_first_not_of("0123456789") == std::string::npos) {
        const std::int64_t layer = std::stoll(index);
        if (layer >= c.num_layers)
          throw FileError(path, field, "layer " + index + " is out of range (the file has " +
                                           std::to_string(c.num_layers) + " layers)");
        const std::string rest = t.name.substr(dot + 1);
        slot = layer_slot(w.layers[static_cast<std::size_t>(layer)], rest);
        q = rest.rfind("attn_q.", 0) == 0;
        k = rest.rfind("attn_k.", 0) == 0;
        is_layer_matrix = t.dims.size() == 2 && rest.size() > 7 && rest.compare(rest.size() - 7, 7, ".weight") == 0 &&
                          rest.find("norm") == std::string::npos;
      }
    }
    if (!slot)
      throw FileError(path, field, "unexpected tensor: not part of a " + to_string(c.family) + " model DepthScope runs");
    if (slot->defined()) throw FileError(path, field, "appears twice");
    const std::int64_t heads = q ? c.num_heads : c.num_kv_heads;
    if (permuted && (q || k) && t.shape()[0] % (2 * heads) != 0)
      throw FileError(path, field, "has " + std::to_string(t.shape()[0]) + " rows, not a whole number of heads");
    if (is_layer_matrix && !plain_type(t.type) && can_dequantize(t.type)) {
      // Stays in the mapping as blocks, dequantised per layer as the forward uses it.
      const std::vector<std::int64_t> shape = t.shape();  // [rows, cols]
      *slot = make_quantised_weight(f.map, f.data(t), t.type, shape[0], shape[1],
                                    permuted && (q || k) ? unpermuted_row_order(shape[0], heads) : std::vector<std::int64_t>{});
    } else {
      at::Tensor v = read_gguf_tensor(f, t);
      *slot = permuted && (q || k) ? unpermute_rows(v, heads) : v;
    }
    control.report(++done, total, t.name);
  }
  if (c.tie_word_embeddings) w.lm_head = w.tok_embeddings;
  check_weights(w, c, path);
  return out;
}

}  // namespace depthscope
