#include "core/io/llama2c.h"

#include <ATen/ATen.h>

#include <cstring>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/mapped_file.h"
#include "core/model/quantised_weight.h"

namespace depthscope {

namespace {

struct Params {
  std::int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

std::int32_t read_i32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return static_cast<std::int32_t>(v);
}

void check_params(const Params& p, const std::string& file) {
  auto positive = [&](const char* name, std::int64_t v, std::int64_t max) {
    if (v <= 0 || v > max)
      throw FileError(file, std::string("header.") + name,
                      "is " + std::to_string(v) + ", expected 1.." + std::to_string(max) +
                          " (not a llama2.c checkpoint?)");
  };
  positive("dim", p.dim, 1 << 16);
  positive("hidden_dim", p.hidden_dim, 1 << 18);
  positive("n_layers", p.n_layers, 1024);
  positive("n_heads", p.n_heads, p.dim);
  positive("n_kv_heads", p.n_kv_heads, p.n_heads);
  positive("vocab_size", std::abs(static_cast<std::int64_t>(p.vocab_size)), 1 << 22);
  positive("seq_len", p.seq_len, 1 << 22);
  if (p.dim % p.n_heads != 0)
    throw FileError(file, "header.n_heads", std::to_string(p.n_heads) + " heads do not divide dim " +
                                                std::to_string(p.dim));
  if (p.n_heads % p.n_kv_heads != 0)
    throw FileError(file, "header.n_kv_heads", std::to_string(p.n_kv_heads) +
                                                   " kv heads do not divide " + std::to_string(p.n_heads) + " heads");
  if ((p.dim / p.n_heads) % 2 != 0)
    throw FileError(file, "header.n_heads", "head size " + std::to_string(p.dim / p.n_heads) +
                                                " is odd; RoPE needs pairs");
}

// Hands out consecutive float32 arrays of the mapped file, checking each against the size.
class Cursor {
 public:
  Cursor(std::shared_ptr<MappedFile> map, std::uint64_t offset) : map_(std::move(map)), offset_(offset) {}

  at::Tensor take(const std::string& name, std::vector<std::int64_t> shape) {
    std::uint64_t numel = 1;
    for (std::int64_t s : shape) numel *= static_cast<std::uint64_t>(s);  // bounded by check_params
    const std::uint64_t bytes = numel * 4;
    if (offset_ + bytes > map_->size())
      throw FileError(map_->path(), "tensor '" + name + "'",
                      "needs bytes [" + std::to_string(offset_) + ", " + std::to_string(offset_ + bytes) +
                          ") but the file has " + std::to_string(map_->size()) + " bytes (truncated file?)");
    std::uint8_t* p = map_->mutable_data() + offset_;
    offset_ += bytes;
    std::shared_ptr<MappedFile> keep = map_;
    return at::from_blob(p, shape, [keep](void*) mutable { keep.reset(); },
                         at::TensorOptions().dtype(at::kFloat));
  }
  void skip(const std::string& name, std::uint64_t floats) { (void)take(name, {static_cast<std::int64_t>(floats)}); }
  std::uint64_t offset() const { return offset_; }

 private:
  std::shared_ptr<MappedFile> map_;
  std::uint64_t offset_;
};

void check_representable(const ModelConfig& c) {
  auto refuse = [](const std::string& why) {
    throw UsageError("cannot export to llama2.c: " + why +
                     " (llama2.c's run.c implements only a Pre-LN Llama with RMSNorm, SwiGLU and plain RoPE)");
  };
  if (c.family == ModelFamily::olmo2) refuse("OLMo 2 (olmo2) models are not supported");
  if (c.family == ModelFamily::gemma2 || c.family == ModelFamily::gemma3)
    refuse("Gemma (" + to_string(c.family) + ") models are not supported");
  if (c.family == ModelFamily::phi3 && !c.sliding_layers.empty()) refuse("the model's attention slides");
  if (c.norm_scheme != NormScheme::pre && c.norm_scheme != NormScheme::scaled_init &&
      c.norm_scheme != NormScheme::lns_gamma)
    refuse("norm scheme " + display_name(c.norm_scheme) + " is not Pre-LN");
  if (c.gpas) refuse("the model has GPAS gates");
  if (c.qkv_bias || c.out_bias || c.mlp_bias) refuse("the model has biases");
  if (c.qk_norm || c.qk_norm_full) refuse("the model has q/k norms");
  if (c.norm_kind != NormKind::rms) refuse("the model uses LayerNorm, not RMSNorm");
  if (c.activation != Activation::silu || !c.gated_mlp) refuse("the MLP is not SwiGLU");
  if (c.positions != PositionKind::rope) refuse("the model uses learned positions, not RoPE");
  if (c.resolved_head_dim() * c.num_heads != c.hidden_size) refuse("head_dim * heads != hidden size");
  if (c.rope_theta != 10000.0) refuse("rope_theta is " + std::to_string(c.rope_theta) + ", run.c uses 10000");
  if (std::abs(c.norm_eps - 1e-5) > 1e-12) refuse("norm eps is " + std::to_string(c.norm_eps) + ", run.c uses 1e-5");
  for (std::int64_t v : {c.hidden_size, c.intermediate_size, c.num_layers, c.num_heads, c.num_kv_heads,
                         c.vocab_size, c.max_position})
    if (v > INT32_MAX) refuse("a dimension does not fit in int32");
}

void write_tensor(AtomicFileWriter& out, const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU, at::kFloat).contiguous();
  out.write(c.data_ptr(), static_cast<std::size_t>(c.numel()) * 4);
}

void write_i32(AtomicFileWriter& out, std::int64_t v) {
  const std::int32_t x = static_cast<std::int32_t>(v);
  std::uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(x) >> (8 * i));
  out.write(b, 4);
}

}  // namespace

at::Tensor llama2c_to_hf_rows(const at::Tensor& w, std::int64_t heads) {
  const std::int64_t rows = w.size(0), d = w.size(1), hd = rows / heads;
  // [H, hd/2, 2, d] -> [H, 2, hd/2, d]: pair element 0 of every pair first, then element 1.
  return w.reshape({heads, hd / 2, 2, d}).transpose(1, 2).reshape({rows, d}).contiguous();
}

at::Tensor hf_to_llama2c_rows(const at::Tensor& w, std::int64_t heads) {
  const std::int64_t rows = w.size(0), d = w.size(1), hd = rows / heads;
  return w.reshape({heads, 2, hd / 2, d}).transpose(1, 2).reshape({rows, d}).contiguous();
}

LoadedCheckpoint load_llama2c(const std::string& path, const RunControl& control) {
  std::shared_ptr<MappedFile> map = MappedFile::open(path);
  const std::uint8_t* b = map->data();
  const std::size_t size = map->size();
  int version = 0;
  std::uint64_t header_bytes = 28;
  const std::uint8_t* params_at = b;
  if (size >= 4 && static_cast<std::uint32_t>(read_i32(b)) == kLlama2cMagic) {
    if (size < 256)
      throw FileError(path, "header", "file is " + std::to_string(size) +
                                          " bytes, shorter than the 256-byte version-1 header (truncated?)");
    version = read_i32(b + 4);
    if (version != 1)
      throw FileError(path, "header.version",
                      "llama2.c version " + std::to_string(version) +
                          " is not supported (DepthScope reads float32 versions 0 and 1)");
    header_bytes = 256;
    params_at = b + 8;
  } else if (size < 28) {
    throw FileError(path, "header", "file is " + std::to_string(size) +
                                        " bytes, shorter than the 28-byte llama2.c header (truncated?)");
  }
  Params p{read_i32(params_at), read_i32(params_at + 4), read_i32(params_at + 8), read_i32(params_at + 12),
           read_i32(params_at + 16), read_i32(params_at + 20), read_i32(params_at + 24)};
  check_params(p, path);
  bool shared = p.vocab_size > 0;
  if (version == 1) {
    const std::uint8_t flag = b[36];
    if (flag > 1) throw FileError(path, "header.shared_classifier", "is " + std::to_string(flag) + ", expected 0 or 1");
    shared = flag == 1;
    if (p.vocab_size < 0) throw FileError(path, "header.vocab_size", "is negative in a version-1 file");
  }

  const std::int64_t d = p.dim, ff = p.hidden_dim, L = p.n_layers, H = p.n_heads, KV = p.n_kv_heads;
  const std::int64_t V = std::abs(static_cast<std::int64_t>(p.vocab_size)), hd = d / H;

  // Check the exact size before reading anything.
  const std::uint64_t layer_floats =
      static_cast<std::uint64_t>(2 * d + d * d * 2 + 2 * d * KV * hd + 3 * d * ff);
  std::uint64_t floats = static_cast<std::uint64_t>(L) * layer_floats + static_cast<std::uint64_t>(V * d + d);
  if (version == 0) floats += static_cast<std::uint64_t>(p.seq_len) * static_cast<std::uint64_t>(hd);  // RoPE tables
  if (!shared) floats += static_cast<std::uint64_t>(V * d);
  const std::uint64_t expected = header_bytes + 4 * floats;
  if (size != expected)
    throw FileError(path, "weights",
                    "file is " + std::to_string(size) + " bytes but its header (dim " + std::to_string(d) +
                        ", hidden " + std::to_string(ff) + ", layers " + std::to_string(L) + ", heads " +
                        std::to_string(H) + ", kv heads " + std::to_string(KV) + ", vocab " + std::to_string(V) +
                        ", seq_len " + std::to_string(p.seq_len) + ") implies " + std::to_string(expected) +
                        (size < expected ? " (truncated file)" : " (trailing bytes)"));

  LoadedCheckpoint out;
  out.path = path;
  out.format = version == 0 ? "llama2c-v0" : "llama2c-v1";
  out.source_dtype = "F32";
  ModelConfig& c = out.config;
  c.family = ModelFamily::llama;
  c.vocab_size = V;
  c.hidden_size = d;
  c.intermediate_size = ff;
  c.num_layers = L;
  c.num_heads = H;
  c.num_kv_heads = KV;
  c.head_dim = 0;
  c.max_position = p.seq_len;
  c.rope_theta = 10000.0;
  c.norm_eps = 1e-5;  // hard-coded in run.c
  c.tie_word_embeddings = shared;
  c.bos_id = 1;
  c.eos_id = 2;

  Cursor cur(map, header_bytes);
  at::Tensor tok, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, wcls;
  const double total = shared ? 12 : 13;
  double done = 0;
  auto step = [&](const char* name) {
    control.report(++done, total, name);
    control.check_cancel();
  };
  if (version == 0) {
    tok = cur.take("token_embedding", {V, d}); step("token_embedding");
    rms_att = cur.take("rms_att", {L, d}); step("rms_att");
    wq = cur.take("wq", {L, H * hd, d}); step("wq");
    wk = cur.take("wk", {L, KV * hd, d}); step("wk");
    wv = cur.take("wv", {L, KV * hd, d}); step("wv");
    wo = cur.take("wo", {L, d, H * hd}); step("wo");
    rms_ffn = cur.take("rms_ffn", {L, d}); step("rms_ffn");
    w1 = cur.take("w1", {L, ff, d}); step("w1");
    w2 = cur.take("w2", {L, d, ff}); step("w2");
    w3 = cur.take("w3", {L, ff, d}); step("w3");
    rms_final = cur.take("rms_final", {d}); step("rms_final");
    cur.skip("freq_cis_real", static_cast<std::uint64_t>(p.seq_len) * hd / 2);
    cur.skip("freq_cis_imag", static_cast<std::uint64_t>(p.seq_len) * hd / 2);
    step("freq_cis");
  } else {
    rms_att = cur.take("rms_att", {L, d}); step("rms_att");
    rms_ffn = cur.take("rms_ffn", {L, d}); step("rms_ffn");
    rms_final = cur.take("rms_final", {d}); step("rms_final");
    tok = cur.take("token_embedding", {V, d}); step("token_embedding");
    wq = cur.take("wq", {L, H * hd, d}); step("wq");
    wk = cur.take("wk", {L, KV * hd, d}); step("wk");
    wv = cur.take("wv", {L, KV * hd, d}); step("wv");
    wo = cur.take("wo", {L, d, H * hd}); step("wo");
    w1 = cur.take("w1", {L, ff, d}); step("w1");
    w2 = cur.take("w2", {L, d, ff}); step("w2");
    w3 = cur.take("w3", {L, ff, d}); step("w3");
    step("header");
  }
  if (!shared) {
    wcls = cur.take("wcls", {V, d});
    step("wcls");
  }

  ModelWeights& w = out.weights;
  w.tok_embeddings = tok;
  w.layers.resize(static_cast<std::size_t>(L));
  for (std::int64_t l = 0; l < L; ++l) {
    LayerWeights& lw = w.layers[static_cast<std::size_t>(l)];
    lw.attn_norm_w = rms_att[l];
    lw.wq = llama2c_to_hf_rows(wq[l], H);  // [H*hd, d]
    lw.wk = llama2c_to_hf_rows(wk[l], KV);  // [KV*hd, d]
    lw.wv = wv[l];
    lw.wo = wo[l];
    lw.mlp_norm_w = rms_ffn[l];
    lw.w_gate = w1[l];
    lw.w_down = w2[l];
    lw.w_up = w3[l];
  }
  w.final_norm_w = rms_final;
  w.lm_head = shared ? tok : wcls;
  check_weights(w, c, path);
  return out;
}

void save_llama2c(const std::string& path, const ModelConfig& c, const ModelWeights& weights, int version) {
  if (version != 0 && version != 1) throw UsageError("llama2.c export: version must be 0 or 1");
  check_representable(c);
  check_weights(weights, c, "model to export");
  const std::int64_t H = c.num_heads, KV = c.num_kv_heads, hd = c.resolved_head_dim();
  const bool shared = c.tie_word_embeddings;
  auto stack = [&](auto member, bool permute, std::int64_t heads) {
    std::vector<at::Tensor> v;
    for (const LayerWeights& lw : weights.layers) {
      const at::Tensor t = dequantised_weight(lw.*member);  // GGUF blocks as float32
      v.push_back(permute ? hf_to_llama2c_rows(t, heads) : t);
    }
    return at::stack(v);
  };
  AtomicFileWriter out(path);
  if (version == 1) {
    write_i32(out, static_cast<std::int32_t>(kLlama2cMagic));
    write_i32(out, 1);
  }
  write_i32(out, c.hidden_size);
  write_i32(out, c.intermediate_size);
  write_i32(out, c.num_layers);
  write_i32(out, H);
  write_i32(out, KV);
  write_i32(out, version == 0 && !shared ? -c.vocab_size : c.vocab_size);
  write_i32(out, c.max_position);
  const at::Tensor rms_att = stack(&LayerWeights::attn_norm_w, false, 0);
  const at::Tensor rms_ffn = stack(&LayerWeights::mlp_norm_w, false, 0);
  const at::Tensor wq = stack(&LayerWeights::wq, true, H);
  const at::Tensor wk = stack(&LayerWeights::wk, true, KV);
  const at::Tensor wv = stack(&LayerWeights::wv, false, 0);
  const at::Tensor wo = stack(&LayerWeights::wo, false, 0);
  const at::Tensor w1 = stack(&LayerWeights::w_gate, false, 0);
  const at::Tensor w2 = stack(&LayerWeights::w_down, false, 0);
  const at::Tensor w3 = stack(&LayerWeights::w_up, false, 0);
  if (version == 0) {
    write_tensor(out, weights.tok_embeddings);
    for (const at::Tensor* t : {&rms_att, &wq, &wk, &wv, &wo, &rms_ffn, &w1, &w2, &w3}) write_tensor(out, *t);
    write_tensor(out, weights.final_norm_w);
    // RoPE tables as llama2.c's export writes them: cos / sin of pos * theta^(-2i/hd).
    const at::Tensor inv = at::pow(at::full({}, 10000.0, at::kFloat),
                                   -at::arange(0, hd, 2, at::kFloat).div(static_cast<double>(hd)));
    const at::Tensor angles = at::outer(at::arange(c.max_position, at::kFloat), inv);  // [seq, hd/2]
    write_tensor(out, at::cos(angles));
    write_tensor(out, at::sin(angles));
  } else {
    const std::uint8_t flag = shared ? 1 : 0;
    out.write(&flag, 1);
    const std::vector<std::uint8_t> pad(256 - out.written(), 0);
    out.write(pad.data(), pad.size());
    write_tensor(out, rms_att);
    write_tensor(out, rms_ffn);
    write_tensor(out, weights.final_norm_w);
    write_tensor(out, weights.tok_embeddings);
    for (const at::Tensor* t : {&wq, &wk, &wv, &wo, &w1, &w2, &w3}) write_tensor(out, *t);
  }
  if (!shared) write_tensor(out, weights.lm_head);
  out.commit();
}

}  // namespace depthscope
