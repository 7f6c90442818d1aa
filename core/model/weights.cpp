#include "core/model/weights.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/io/mapped_file.h"
#include "core/io/weight_slots.h"
#include "core/model/quantised_weight.h"
#include "core/model/widening_pool.h"

namespace depthscope {

namespace {

// The names of a layer's norm tensors (without ".weight"/".bias"/".alpha"): Hugging Face
// Llama's, plus DepthScope's out-norm keys; OLMo 2 names its output norms after the sublayers
// (post_attention_layernorm is the attention OUTPUT norm there), so the FFN input norm, which
// Llama calls post_attention_layernorm, takes Gemma 2's name pre_feedforward_layernorm.
struct NormNames {
  std::string mlp_in, attn_out, mlp_out;
};

NormNames norm_names(const ModelConfig& c) {
  // Gemma 2 / 3 use the same three names for their sandwich norms (and input_layernorm).
  if (c.family == ModelFamily::olmo2 || c.family == ModelFamily::gemma2 || c.family == ModelFamily::gemma3)
    return {"pre_feedforward_layernorm", "post_attention_layernorm", "post_feedforward_layernorm"};
  return {"post_attention_layernorm", "attn_out_norm", "mlp_out_norm"};
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor*>> named_tensors(ModelWeights& w, const ModelConfig& c) {
  std::vector<std::pair<std::string, at::Tensor*>> out;
  auto add = [&](const std::string& name, at::Tensor& t) {
    if (t.defined()) out.emplace_back(name, &t);
  };
  add("model.embed_tokens.weight", w.tok_embeddings);
  add("model.embed_positions.weight", w.pos_embeddings);
  add("model.embed_scale", w.embed_scale);
  add("model.embed_norm.weight", w.embed_norm_w);
  const NormNames n = norm_names(c);
  for (size_t i = 0; i < w.layers.size(); ++i) {
    LayerWeights& l = w.layers[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    add(p + "input_layernorm.weight", l.attn_norm_w);
    add(p + "input_layernorm.bias", l.attn_norm_b);
    add(p + "input_layernorm.alpha", l.attn_norm_alpha);
    add(p + "self_attn.q_proj.weight", l.wq);
    add(p + "self_attn.q_proj.bias", l.bq);
    add(p + "self_attn.k_proj.weight", l.wk);
    add(p + "self_attn.k_proj.bias", l.bk);
    add(p + "self_attn.v_proj.weight", l.wv);
    add(p + "self_attn.v_proj.bias", l.bv);
    add(p + "self_attn.o_proj.weight", l.wo);
    add(p + "self_attn.o_proj.bias", l.bo);
    add(p + "self_attn.q_norm.weight", l.q_norm_w);
    add(p + "self_attn.k_norm.weight", l.k_norm_w);
    add(p + "self_attn.v_norm.weight", l.v_norm_w);
    add(p + n.mlp_in + ".weight", l.mlp_norm_w);
    add(p + n.mlp_in + ".bias", l.mlp_norm_b);
    add(p + n.mlp_in + ".alpha", l.mlp_norm_alpha);
    add(p + "mlp.gate_proj.weight", l.w_gate);
    add(p + "mlp.up_proj.weight", l.w_up);
    add(p + "mlp.up_proj.bias", l.b_up);
    add(p + "mlp.down_proj.weight", l.w_down);
    add(p + "mlp.down_proj.bias", l.b_down);
    add(p + n.attn_out + ".weight", l.attn_out_norm_w);
    add(p + n.attn_out + ".bias", l.attn_out_norm_b);
    add(p + n.mlp_out + ".weight", l.mlp_out_norm_w);
    add(p + n.mlp_out + ".bias", l.mlp_out_norm_b);
    const bool skipinit = c.norm_scheme == NormScheme::skipinit;  // the same slots, SkipInit's names
    add(p + (skipinit ? "attn_residual_scale" : "attn_layerscale"), l.attn_scale);
    add(p + (skipinit ? "mlp_residual_scale" : "mlp_layerscale"), l.mlp_scale);
    add(p + "gpas_gate", l.gpas_gate);
  }
  add("model.norm.weight", w.final_norm_w);
  add("model.norm.bias", w.final_norm_b);
  add("model.norm.alpha", w.final_norm_alpha);
  if (!c.tie_word_embeddings) add("lm_head.weight", w.lm_head);
  return out;
}

ModelWeights clone_weights(const ModelWeights& w, const ModelConfig& c) {
  ModelWeights out = w;  // shares the tensors; each is replaced by its copy below
  for (auto& [name, t] : named_tensors(out, c)) *t = dequantised_weight(*t).to(at::kFloat).clone().contiguous();
  if (c.tie_word_embeddings) out.lm_head = out.tok_embeddings;
  return out;
}

namespace {

std::atomic<std::int64_t> widened_live{0};
std::atomic<std::int64_t> widened_peak{0};  // since the last reset
std::atomic<std::int64_t> widened_high{0};  // since the start (sizes the buffer pool)

void raise_to(std::atomic<std::int64_t>& mark, std::int64_t now) {
  std::int64_t seen = mark.load();
  while (now > seen && !mark.compare_exchange_weak(seen, now)) {
  }
}

void note_widened(std::int64_t bytes) {
  const std::int64_t now = widened_live.fetch_add(bytes) + bytes;
  raise_to(widened_peak, now);
  raise_to(widened_high, now);
}

}  // namespace

at::Tensor float32_weight(const at::Tensor& t) {
  const bool quantised = is_quantised_weight(t);  // GGUF blocks (quantised_weight.h): dequantised here
  if (!t.defined() || (t.scalar_type() == at::kFloat && !quantised)) return t;
  if (t.numel() == 0) return t.to(at::kFloat);
  // Exact: every F16/BF16 value is a float32 value. The copy goes into a pooled buffer
  // (widening_pool.h) and is handed out through a deleter that keeps the count of live
  // widened bytes and gives the buffer back.
  at::Tensor wide = pooled_float32_buffer(t.numel()).view(t.sizes());  // same shape, contiguous
  if (quantised) dequantise_weight_into(t, wide.data_ptr<float>());
  else wide.copy_(t);
  // A large checkpoint's pages leave the resident set once read (MappedFile; a no-op for
  // anything but a mapping marked so).
  if (!quantised && t.is_contiguous()) MappedFile::release_read_pages(t.data_ptr(), t.nbytes());
  return wide;
}

at::Tensor pooled_float32_buffer(std::int64_t numel) {
  at::Tensor buffer = take_widening_buffer(numel);  // [numel] float32
  const std::int64_t bytes = static_cast<std::int64_t>(buffer.nbytes());
  note_widened(bytes);
  auto* owner = new at::Tensor(buffer);
  return at::from_blob(
      buffer.data_ptr(), {numel},
      [owner, bytes](void*) {
        widened_live.fetch_sub(bytes);
        give_widening_buffer(std::move(*owner), widened_high.load());
        delete owner;
      },
      buffer.options());
}

LayerWeights float32_layer_keeping_quantised(const LayerWeights& lw) {
  LayerWeights out;
  for (const LayerSlot& s : layer_slots()) {
    const at::Tensor& t = lw.*(s.member);
    out.*(s.member) = is_quantised_weight(t) ? t : float32_weight(t);
  }
  return out;
}

LayerWeights float32_layer(const LayerWeights& lw) {
  LayerWeights out;
  for (const LayerSlot& s : layer_slots()) out.*(s.member) = float32_weight(lw.*(s.member));
  return out;
}

std::int64_t widened_bytes_live() { return widened_live.load(); }
std::int64_t widened_bytes_peak() { return widened_peak.load(); }
void reset_widened_bytes_peak() { widened_peak.store(widened_live.load()); }

std::int64_t weight_bytes_in_memory(const ModelWeights& w) {
  std::set<const void*> seen;  // a tied head shares the embedding's storage
  std::int64_t total = 0;
  auto add = [&](const at::Tensor& t) {
    if (is_quantised_weight(t)) return void(total += quantised_weight_bytes(t));  // blocks in the mapping
    if (!t.defined() || t.numel() == 0 || !seen.insert(t.data_ptr()).second) return;
    total += static_cast<std::int64_t>(t.nbytes());
  };
  for (const ModelSlot& s : model_slots()) add(w.*(s.member));
  for (const LayerWeights& lw : w.layers)
    for (const LayerSlot& s : layer_slots()) add(lw.*(s.member));
  return total;
}

namespace {

std::string shape_text(at::IntArrayRef s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

void expect(const at::Tensor& t, std::vector<std::int64_t> shape, const std::string& source,
            const std::string& name, bool required = true) {
  if (!t.defined()) {
    if (required) throw FileError(source, name, "tensor is missing");
    return;
  }
  if (t.sizes() != at::IntArrayRef(shape))
    throw FileError(source, name,
                    "shape " + shape_text(t.sizes()) + " does not match the config's " +
                        shape_text(shape));
}

}  // namespace

void check_weights(const ModelWeights& w, const ModelConfig& c, const std::string& source) {
  const std::int64_t d = c.hidden_size, hd = c.resolved_head_dim(), ff = c.intermediate_size;
  const std::int64_t q = c.num_heads * hd, kv = c.num_kv_heads * hd;
  const bool layer_norm = c.norm_kind == NormKind::layer;
  expect(w.tok_embeddings, {c.vocab_size, d}, source, "model.embed_tokens.weight");
  if (c.positions == PositionKind::learned)
    expect(w.pos_embeddings, {c.max_position, d}, source, "model.embed_positions.weight");
  if (static_cast<std::int64_t>(w.layers.size()) != c.num_layers)
    throw FileError(source, "layers",
                    "has " + std::to_string(w.layers.size()) + " layers but the config says " +
                        std::to_string(c.num_layers));
  expect(w.embed_norm_w, {d}, source, "model.embed_norm.weight", has_embed_norm(c));
  expect(w.embed_scale, {1}, source, "model.embed_scale", has_embed_scale(c));
  const NormNames n = norm_names(c);
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights& l = w.layers[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const BlockLayout b = block_layout(c, static_cast<std::int64_t>(i) + 1);
    expect(l.attn_norm_w, {d}, source, p + "input_layernorm.weight", b.has_attn_norm());
    expect(l.attn_norm_b, {d}, source, p + "input_layernorm.bias", b.has_attn_norm() && layer_norm);
    expect(l.attn_norm_alpha, {1}, source, p + "input_layernorm.alpha", b.has_attn_norm() && b.dyt);
    expect(l.wq, {q, d}, source, p + "self_attn.q_proj.weight");
    expect(l.wk, {kv, d}, source, p + "self_attn.k_proj.weight");
    expect(l.wv, {kv, d}, source, p + "self_attn.v_proj.weight");
    expect(l.wo, {d, q}, source, p + "self_attn.o_proj.weight");
    expect(l.bq, {q}, source, p + "self_attn.q_proj.bias", c.qkv_bias);
    expect(l.bk, {kv}, source, p + "self_attn.k_proj.bias", c.qkv_bias);
    expect(l.bv, {kv}, source, p + "self_attn.v_proj.bias", c.qkv_bias);
    expect(l.bo, {d}, source, p + "self_attn.o_proj.bias", c.out_bias);
    // q/k norms: per head [hd] (Qwen3, HybridNorm), or over the whole projection [q], [kv] (OLMo 2).
    expect(l.q_norm_w, {b.qk_norm_full ? q : hd}, source, p + "self_attn.q_norm.weight", b.qk_norm || b.qk_norm_full);
    expect(l.k_norm_w, {b.qk_norm_full ? kv : hd}, source, p + "self_attn.k_norm.weight", b.qk_norm || b.qk_norm_full);
    expect(l.v_norm_w, {hd}, source, p + "self_attn.v_norm.weight", b.v_norm);
    expect(l.mlp_norm_w, {d}, source, p + n.mlp_in + ".weight", b.has_mlp_norm());
    expect(l.mlp_norm_b, {d}, source, p + n.mlp_in + ".bias", b.has_mlp_norm() && layer_norm);
    expect(l.mlp_norm_alpha, {1}, source, p + n.mlp_in + ".alpha", b.has_mlp_norm() && b.dyt);
    if (c.gated_mlp) expect(l.w_gate, {ff, d}, source, p + "mlp.gate_proj.weight");
    expect(l.w_up, {ff, d}, source, p + "mlp.up_proj.weight");
    expect(l.w_down, {d, ff}, source, p + "mlp.down_proj.weight");
    expect(l.b_up, {ff}, source, p + "mlp.up_proj.bias", c.mlp_bias);
    expect(l.b_down, {d}, source, p + "mlp.down_proj.bias", c.mlp_bias);
    expect(l.attn_out_norm_w, {d}, source, p + n.attn_out + ".weight", b.out_norms);
    expect(l.mlp_out_norm_w, {d}, source, p + n.mlp_out + ".weight", b.out_norms);
    expect(l.attn_out_norm_b, {d}, source, p + n.attn_out + ".bias", b.out_norms && layer_norm);
    expect(l.mlp_out_norm_b, {d}, source, p + n.mlp_out + ".bias", b.out_norms && layer_norm);
    if (b.residual_scale) {
      expect(l.attn_scale, {1}, source, p + "attn_residual_scale");
      expect(l.mlp_scale, {1}, source, p + "mlp_residual_scale");
    } else {
      expect(l.attn_scale, {d}, source, p + "attn_layerscale", b.layerscale);
      expect(l.mlp_scale, {d}, source, p + "mlp_layerscale", b.layerscale);
    }
    expect(l.gpas_gate, {1}, source, p + "gpas_gate", b.gpas);
  }
  expect(w.final_norm_w, {d}, source, "model.norm.weight");
  expect(w.final_norm_b, {d}, source, "model.norm.bias", layer_norm);
  expect(w.final_norm_alpha, {1}, source, "model.norm.alpha", is_dyt(c));
  expect(w.lm_head, {c.vocab_size, d}, source, "lm_head.weight");
}

}  // namespace depthscope
