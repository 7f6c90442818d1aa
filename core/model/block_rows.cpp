#include "core/model/block_rows.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include "core/runtime/parallel.h"

#include <cmath>

#include "core/error.h"
#include "core/model/causal_attention.h"
#include "core/model/dyt.h"
#include "core/model/gpas.h"
#include "core/model/packed_gemm.h"
#include "core/model/quantised_weight.h"
#include "core/model/windowed_attention.h"

namespace depthscope {

namespace {

// Rows per chunk at most: enough for efficient single-threaded GEMMs, small enough that a
// chunk's [rows, ffn] MLP activations stay in the core's cache.
constexpr std::int64_t kMaxRows = 256;
// From this many rows on, chunks of at most kMaxRows. Below it the rows are split only to give
// each tensor thread one chunk of at least kMinChunkRows: each thread then packs the whole
// weight matrix for its rows, which one fork per stage repays over OpenBLAS's fork and join
// per GEMM (6 x 256, 1 x 128 tokens: 8,600 -> 11,000 tokens/s at 2 threads).
constexpr std::int64_t kMinRows = 512;
constexpr std::int64_t kMinChunkRows = 64;

// Runs f(r0, r1) over row ranges covering [0, N), spread over the tensor threads. On the
// packed path a row's numbers do not depend on its chunk, so a removal sweep running its
// configurations side by side (one thread each, one chunk below kMinRows) gets the numbers of
// the sequential sweep. On the at::mm path they can move with the chunk (OpenBLAS sums a GEMM
// of another height in another order), within the bound DEVELOPERS.md states.
template <class F>
void for_row_chunks(std::int64_t N, const F& f) {
  const std::int64_t threads = at::in_parallel_region() ? 1 : at::get_num_threads();
  const std::int64_t chunks = N >= kMinRows ? (N + kMaxRows - 1) / kMaxRows
                                            : std::max<std::int64_t>(1, std::min(threads, N / kMinChunkRows));
  if (chunks == 1) {
    f(0, N);  // one chunk on the calling thread; its ops use every thread
    return;
  }
  const std::int64_t size = (N + chunks - 1) / chunks;
  parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
    at::NoGradGuard no_grad;  // grad mode is per thread
    for (std::int64_t c = c0; c < c1; ++c) {
      const std::int64_t r0 = c * size, r1 = std::min(N, r0 + size);
      if (r0 < r1) f(r0, r1);
    }
  });
}

}  // namespace

// With the weight packed: on the calling thread inside a row chunk, else split by columns over
// the tensor threads.
void linear_out(at::Tensor out, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                const PackedWeight* packed) {
  // The shape checks at::mm (and addmm) would make: x [n, K], W [N, K], out [n, N], b [N]; the
  // packed kernel reads N biases, so a shorter b is refused here, not read past its end.
  if (x.dim() != 2 || out.dim() != 2 || w.dim() != 2 || x.size(1) != w.size(1) || out.size(0) != x.size(0) ||
      out.size(1) != w.size(0) || (packed != nullptr && (packed->k != x.size(1) || packed->n != out.size(1))) ||
      (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0))))
    throw UsageError("linear_out: x [" + std::to_string(x.size(0)) + ", " + std::to_string(x.size(-1)) + "], W [" +
                     std::to_string(w.size(0)) + ", " + std::to_string(w.size(-1)) + "]" +
                     (packed != nullptr ? " (packed [" + std::to_string(packed->n) + ", " + std::to_string(packed->k) + "])" : "") +
                     " and out [" + std::to_string(out.size(0)) + ", " + std::to_string(out.size(-1)) + "]" +
                     (b.defined() ? " with b [" + std::to_string(b.numel()) + "]" : "") + " do not fit out = x W^T + b");
  // GGUF-quantised W (quantised_weight.h): dequantised a panel at a time inside the kernels.
  if (packed == nullptr && is_quantised_weight(w)) {
    const at::Tensor xc = x.stride(1) == 1 ? x : x.contiguous();
    const at::Tensor bias = b.defined() ? b.contiguous() : b;
    at::Tensor y = out.stride(1) == 1 ? out : at::empty(out.sizes(), out.options());
    quantised_linear(w, xc.data_ptr<float>(), xc.size(0), xc.stride(0), bias.defined() ? bias.data_ptr<float>() : nullptr,
                     y.data_ptr<float>(), y.stride(0), at::in_parallel_region() ? 1 : at::get_num_threads());
    if (!y.is_same(out)) out.copy_(y);
    return;
  }
  if (packed != nullptr && x.stride(1) == 1 && out.stride(1) == 1) {
    const at::Tensor bias = b.defined() ? b.contiguous() : b;
    packed_linear(x.data_ptr<float>(), x.size(0), x.stride(0), *packed, bias.defined() ? bias.data_ptr<float>() : nullptr,
                  out.data_ptr<float>(), out.stride(0), at::in_parallel_region() ? 1 : at::get_num_threads());
    return;
  }
  if (b.defined())
    at::addmm_out(out, b, x, w.t());
  else
    at::mm_out(out, x, w.t());
}

namespace {

// RMSNorm of n rows of length d (row stride ld for both): out = (x * inv) * w, then * s when
// s != 1; inv = 1 / sqrt(mean(x^2) + eps). out may be x.
void rms_rows(const float* x, float* out, std::int64_t n, std::int64_t d, std::int64_t ld, const float* w,
              float eps, float s) {
  for (std::int64_t r = 0; r < n; ++r) {
    const float* xr = x + r * ld;
    float* o = out + r * ld;
    float acc[16] = {0};
    std::int64_t j = 0;
    for (; j + 16 <= d; j += 16)
      for (int u = 0; u < 16; ++u) acc[u] += xr[j + u] * xr[j + u];
    float ss = 0;
    for (; j < d; ++j) ss += xr[j] * xr[j];
    for (int u = 0; u < 16; ++u) ss += acc[u];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
    for (j = 0; j < d; ++j) o[j] = xr[j] * inv * w[j];
    if (s != 1.0f)
      for (j = 0; j < d; ++j) o[j] *= s;
  }
}

// The block's norm of rows [n, d] (contiguous) into out [n, d], times s (LNS) when s != 1.
void norm_rows(const ModelConfig& c, const at::Tensor& x, at::Tensor out, const at::Tensor& w, const at::Tensor& b,
               double s) {
  if (c.norm_kind == NormKind::layer) {
    out.copy_(at::layer_norm(x, {c.hidden_size}, w, b, c.norm_eps));
    if (s != 1.0) out.mul_(s);
    return;
  }
  rms_rows(x.data_ptr<float>(), out.data_ptr<float>(), x.size(0), x.size(1), x.size(1), w.data_ptr<float>(),
           static_cast<float>(c.norm_eps), static_cast<float>(s));
}

// Rotate-halves RoPE in place on rows r0..r1 of q [N, heads * hd]; row r is position r % T.
void rope_rows(float* q, std::int64_t r0, std::int64_t r1, std::int64_t heads, std::int64_t hd, std::int64_t T,
               const float* cos, const float* sin) {
  const std::int64_t half = hd / 2;
  for (std::int64_t r = r0; r < r1; ++r) {
    const float* c = cos + (r % T) * hd;
    const float* s = sin + (r % T) * hd;
    for (std::int64_t h = 0; h < heads; ++h) {
      float* v = q + (r * heads + h) * hd;
      for (std::int64_t j = 0; j < half; ++j) {
        const float x1 = v[j], x2 = v[j + half];
        v[j] = x1 * c[j] + (-x2) * s[j];
        v[j + half] = x2 * c[j + half] + x1 * s[j + half];
      }
    }
  }
}

at::Tensor contiguous_float(const at::Tensor& t) { return t.defined() ? t.contiguous() : t; }

// A norm site's weights: w [d], b [d] (LayerNorm), DyT's alpha (as a float; used when dyt).
struct NormSite {
  at::Tensor w, b;
  bool dyt = false;
  float alpha = 0;
};

NormSite norm_site(const at::Tensor& w, const at::Tensor& b, const at::Tensor& alpha, bool dyt) {
  return {contiguous_float(w), b, dyt, dyt ? alpha.item<float>() : 0.0f};
}

// A Pre-LN-family input norm of rows [n, d] into out: DyT, or the block's norm times s.
void input_norm_rows(const ModelConfig& c, const at::Tensor& x, at::Tensor out, const NormSite& n, double s) {
  if (n.dyt) {
    dyt_rows(x.data_ptr<float>(), out.data_ptr<float>(), x.size(0), x.size(1), x.size(1), n.w.data_ptr<float>(), n.alpha);
    return;
  }
  norm_rows(c, x, out, n.w, n.b, s);
}

// GPAS in place on rows [n, d] (contiguous): x -= SiLU(g) x.
void gpas_in_place(at::Tensor x, float silu_g) { gpas_rows(x.data_ptr<float>(), x.size(0), x.size(1), x.size(1), silu_g); }

void record(LayerProbe* probe, std::int64_t layer, ProbeSite site, const at::Tensor& x) {
  if (probe != nullptr && probe->wants(layer, site)) probe->record(layer, site, x);
}

}  // namespace

bool use_row_kernels(const at::Tensor& x) {
  return !at::GradMode::is_enabled() && x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 3 &&
         x.numel() > 0;
}

at::Tensor block_rows(const ModelConfig& c, std::int64_t layer, const LayerWeights& lw, const at::Tensor& x_in,
                      LayerProbe* probe, const at::Tensor& cos_in, const at::Tensor& sin_in, bool pack_weights) {
  const at::Tensor x = x_in.contiguous();
  const std::int64_t B = x.size(0), T = x.size(1), d = x.size(2), N = B * T;
  const std::int64_t H = c.num_heads, KV = c.num_kv_heads, hd = c.resolved_head_dim();
  const BlockLayout bl = block_layout(c, layer);
  const bool post = bl.post;
  const double s = bl.lns;
  const double alpha = post && c.norm_scheme == NormScheme::deepnorm ? deepnorm_alpha(c) : 1.0;
  const at::Tensor cos = contiguous_float(cos_in), sin = contiguous_float(sin_in);
  const at::Tensor q_norm = contiguous_float(lw.q_norm_w), k_norm = contiguous_float(lw.k_norm_w);
  const at::Tensor v_norm = contiguous_float(lw.v_norm_w);
  const NormSite attn_norm = norm_site(lw.attn_norm_w, lw.attn_norm_b, lw.attn_norm_alpha, bl.dyt);
  const NormSite mlp_norm = norm_site(lw.mlp_norm_w, lw.mlp_norm_b, lw.mlp_norm_alpha, bl.dyt);
  const at::Tensor attn_out_norm_w = contiguous_float(lw.attn_out_norm_w);
  const at::Tensor mlp_out_norm_w = contiguous_float(lw.mlp_out_norm_w);
  const float silu_g = bl.gpas ? gpas_factor(lw.gpas_gate) : 0.0f;
  const auto opt = x.options();
  // The packed copies of the weights (packed_gemm.h), packed on first use before the stages.
  auto packed = [&](const at::Tensor& w) { return pack_weights ? cached_packed_weight(w) : nullptr; };
  const auto pq = packed(lw.wq), pk = packed(lw.wk), pv = packed(lw.wv), po = packed(lw.wo);
  const auto pg = packed(lw.w_gate), pu = packed(lw.w_up), pd = packed(lw.w_down);

  const at::Tensor xf = x.view({N, d});  // [N, d]
  // Post-LN, output, HybridNorm, SkipInit: the attention reads x itself.
  at::Tensor attn_in = bl.attn_in_norm ? at::empty({N, d}, opt) : xf;
  at::Tensor q = at::empty({N, H * hd}, opt);         // [N, H*hd]
  at::Tensor k = at::empty({N, KV * hd}, opt);        // [N, KV*hd]
  at::Tensor v = at::empty({N, KV * hd}, opt);

  // A: norm, projections, q/k/v norm, RoPE.
  for_row_chunks(N, [&](std::int64_t r0, std::int64_t r1) {
    const at::Tensor in = attn_in.slice(0, r0, r1);  // [n, d]
    if (bl.attn_in_norm) input_norm_rows(c, xf.slice(0, r0, r1), in, attn_norm, s);
    linear_out(q.slice(0, r0, r1), in, lw.wq, lw.bq, pq.get());
    linear_out(k.slice(0, r0, r1), in, lw.wk, lw.bk, pk.get());
    linear_out(v.slice(0, r0, r1), in, lw.wv, lw.bv, pv.get());
    const std::int64_t n = r1 - r0;
    const float eps = static_cast<float>(c.norm_eps);
    if (bl.qk_norm_full) {  // OLMo 2: RMSNorm over each row's whole projection, q [n, H*hd], k [n, KV*hd]
      float* qp = q.data_ptr<float>() + r0 * H * hd;
      float* kp = k.data_ptr<float>() + r0 * KV * hd;
      rms_rows(qp, qp, n, H * hd, H * hd, q_norm.data_ptr<float>(), eps, 1.0f);
      rms_rows(kp, kp, n, KV * hd, KV * hd, k_norm.data_ptr<float>(), eps, 1.0f);
    }
    if (bl.qk_norm) {  // Qwen3, HybridNorm: per-head RMSNorm, rows of hd
      float* qp = q.data_ptr<float>() + r0 * H * hd;
      float* kp = k.data_ptr<float>() + r0 * KV * hd;
      rms_rows(qp, qp, n * H, hd, hd, q_norm.data_ptr<float>(), eps, 1.0f);
      rms_rows(kp, kp, n * KV, hd, hd, k_norm.data_ptr<float>(), eps, 1.0f);
    }
    if (bl.v_norm) {
      float* vp = v.data_ptr<float>() + r0 * KV * hd;
      rms_rows(vp, vp, n * KV, hd, hd, v_norm.data_ptr<float>(), eps, 1.0f);
    }
    if (cos.defined()) {
      rope_rows(q.data_ptr<float>(), r0, r1, H, hd, T, cos.data_ptr<float>(), sin.data_ptr<float>());
      rope_rows(k.data_ptr<float>(), r0, r1, KV, hd, T, cos.data_ptr<float>(), sin.data_ptr<float>());
    }
  });
  record(probe, layer, ProbeSite::attn_in, attn_in.view({B, T, d}));

  // B: softmax(q k^T / sqrt(hd) + causal mask) v per (sequence, head), in query blocks; Gemma's
  // soft-capped or sliding-window layers through the plain composition (windowed_attention.h).
  const at::Tensor qh = q.view({B, T, H, hd}).transpose(1, 2), kh = k.view({B, T, KV, hd}).transpose(1, 2);
  const at::Tensor vh = v.view({B, T, KV, hd}).transpose(1, 2);  // [B, H|KV, T, hd]
  const at::Tensor att = (needs_windowed_attention(c, bl, T)
                              ? windowed_causal_attention(qh, kh, vh, attention_scale(c), c.attn_softcap, bl.window)
                              : causal_attention_inference(qh, kh, vh, attention_scale(c)))
                             .view({N, H * hd});  // [N, H*hd]

  // C: output projection, residual, norm, MLP, residual.
  const bool mlp_norm_rows = bl.mlp_in_norm || bl.ffn_from_norm;  // Post-LN: the MLP reads h itself
  at::Tensor a = at::empty({N, d}, opt);        // attn_out
  at::Tensor h = at::empty({N, d}, opt);        // resid_mid
  at::Tensor mlp_in = mlp_norm_rows ? at::empty({N, d}, opt) : h;
  at::Tensor m = at::empty({N, d}, opt);        // mlp_out
  at::Tensor y = at::empty({N, d}, opt);        // resid_post
  const std::int64_t ff = c.intermediate_size;
  for_row_chunks(N, [&](std::int64_t r0, std::int64_t r1) {
    at::Tensor xr = xf.slice(0, r0, r1), ar = a.slice(0, r0, r1), hr = h.slice(0, r0, r1);
    at::Tensor ir = mlp_in.slice(0, r0, r1), mr = m.slice(0, r0, r1), yr = y.slice(0, r0, r1);
    linear_out(ar, att.slice(0, r0, r1), lw.wo, lw.bo, po.get());
    if (bl.out_norms) norm_rows(c, ar, ar, attn_out_norm_w, lw.attn_out_norm_b, 1.0);  // sandwich, Peri-LN, output
    if (lw.attn_scale.defined()) ar.mul_(lw.attn_scale);                                // LayerScale [d], SkipInit [1]
    if (post) {  // h = LN(a x + Attn(x))
      if (alpha == 1.0) at::add_out(hr, xr, ar); else hr.copy_(xr).mul_(alpha).add_(ar);
      norm_rows(c, hr, hr, attn_norm.w, attn_norm.b, 1.0);
      if (bl.gpas) gpas_in_place(hr, silu_g);
    } else {  // h = x + Attn(N(x)); mlp_in = N(h), or LN(h) under HybridNorm
      at::add_out(hr, xr, ar);
      if (bl.gpas) gpas_in_place(hr, silu_g);
      if (bl.mlp_in_norm) input_norm_rows(c, hr, ir, mlp_norm, s);
      else if (bl.ffn_from_norm) norm_rows(c, hr, ir, mlp_norm.w, mlp_norm.b, 1.0);
    }
    if (c.gated_mlp) {  // SwiGLU: down(silu(gate x) * up x); GeGLU (Gemma) with tanh GELU
      at::Tensor gate = at::empty({r1 - r0, ff}, opt), up = at::empty({r1 - r0, ff}, opt);  // [n, ff]
      linear_out(gate, ir, lw.w_gate, at::Tensor(), pg.get());
      linear_out(up, ir, lw.w_up, lw.b_up, pu.get());
      (c.activation == Activation::gelu_new ? at::gelu_(gate, "tanh") : at::silu_(gate)).mul_(up);
      linear_out(mr, gate, lw.w_down, lw.b_down, pd.get());
    } else {
      at::Tensor hidden = at::empty({r1 - r0, ff}, opt);  // [n, ff]
      linear_out(hidden, ir, lw.w_up, lw.b_up, pu.get());
      if (c.activation == Activation::gelu_new) at::gelu_(hidden, "tanh"); else at::silu_(hidden);
      linear_out(mr, hidden, lw.w_down, lw.b_down, pd.get());
    }
    if (bl.out_norms) norm_rows(c, mr, mr, mlp_out_norm_w, lw.mlp_out_norm_b, 1.0);
    if (lw.mlp_scale.defined()) mr.mul_(lw.mlp_scale);
    if (post) {  // y = LN(a h + FFN(h))
      if (alpha == 1.0) at::add_out(yr, hr, mr); else yr.copy_(hr).mul_(alpha).add_(mr);
      norm_rows(c, yr, yr, mlp_norm.w, mlp_norm.b, 1.0);
    } else {  // y = h + FFN(.), or m + FFN(m) under HybridNorm
      at::add_out(yr, bl.ffn_from_norm ? ir : hr, mr);
    }
    if (bl.gpas) gpas_in_place(yr, silu_g);
  });
  record(probe, layer, ProbeSite::attn_out, a.view({B, T, d}));
  record(probe, layer, ProbeSite::resid_mid, h.view({B, T, d}));
  record(probe, layer, ProbeSite::mlp_in, mlp_in.view({B, T, d}));
  record(probe, layer, ProbeSite::mlp_out, m.view({B, T, d}));
  record(probe, layer, ProbeSite::resid_post, y.view({B, T, d}));
  return y.view({B, T, d});
}

at::Tensor head_rows(const ModelConfig& c, const at::Tensor& x_in, const at::Tensor& norm_w, const at::Tensor& norm_b,
                     const at::Tensor& norm_alpha, const at::Tensor& lm_head, bool pack_weights) {
  const at::Tensor x = x_in.contiguous();
  const std::int64_t B = x.size(0), T = x.size(1), d = x.size(2), N = B * T, V = lm_head.size(0);
  const NormSite final_norm = norm_site(norm_w, norm_b, norm_alpha, norm_alpha.defined());
  const at::Tensor xf = x.view({N, d});
  at::Tensor logits = at::empty({N, V}, x.options());  // [N, V]
  at::Tensor normed = at::empty({N, d}, x.options());  // [N, d]
  for_row_chunks(N, [&](std::int64_t r0, std::int64_t r1) {
    input_norm_rows(c, xf.slice(0, r0, r1), normed.slice(0, r0, r1), final_norm, 1.0);
  });
  const std::shared_ptr<const PackedWeight> packed = pack_weights ? cached_packed_weight(lm_head) : nullptr;
  if (packed) {  // split by vocabulary columns over the tensor threads
    linear_out(logits, normed, lm_head, at::Tensor(), packed.get());
    return logits.view({B, T, V});
  }
  // The head GEMM split by vocabulary columns: each thread packs only its part of the
  // [V, d] head, and every logit is the same dot product as in one GEMM.
  const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), V / 1024));
  parallel_for(0, parts, 1, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      const std::int64_t v0 = V * p / parts, v1 = V * (p + 1) / parts;
      at::Tensor out = logits.slice(1, v0, v1);  // [N, v1 - v0], row stride V
      at::mm_out(out, normed, lm_head.slice(0, v0, v1).t());
    }
  });
  return logits.view({B, T, V});
}

}  // namespace depthscope
