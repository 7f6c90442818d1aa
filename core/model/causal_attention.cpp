#include "core/model/causal_attention.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include "core/runtime/parallel.h"
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/model/packed_gemm.h"
#include "core/model/softmax_rows.h"

namespace depthscope {

namespace {

// Query rows per causal block. The GEMMs of rows [r0, r1) stop at key r1 - 1, so the blocks
// wholly above the diagonal are never computed (at T = 256: a quarter of every T x T product).
constexpr std::int64_t kBlock = 128;

// True above the diagonal: the keys a query must not see. [T, T]
at::Tensor future_mask(std::int64_t T, const at::TensorOptions& options) {
  return at::ones({T, T}, options.dtype(at::kBool)).triu(1);
}

// Matrix (b, n) of a [B, N, ...] tensor: t[b][n].
at::Tensor mat(const at::Tensor& t, std::int64_t b, std::int64_t n) { return t.select(0, b).select(0, n); }
// Matrix (b, n) of a [B, T, N, hd] tensor: [T, hd].
at::Tensor heads_last(const at::Tensor& t, std::int64_t b, std::int64_t n) { return t.select(0, b).select(1, n); }

// out = alpha * a b, or out += alpha * a b. Called inside parallel_for, where the BLAS runs
// on the calling thread only.
void gemm(at::Tensor out, const at::Tensor& a, const at::Tensor& b, double alpha, bool accumulate) {
  at::addmm_out(out, out, a, b, accumulate ? 1.0 : 0.0, alpha);
}

// Runs f(b, n) for every (b, n) in [0, B) x [0, N), spread over the tensor threads.
template <class F>
void for_each_matrix(std::int64_t B, std::int64_t N, const F& f) {
  parallel_for(0, B * N, 1, [&](std::int64_t i0, std::int64_t i1) {
    at::NoGradGuard no_grad;  // grad mode is per thread; these are plain kernels
    for (std::int64_t i = i0; i < i1; ++i) f(i / N, i % N);
  });
}

struct Shape {
  std::int64_t B, H, KV, T, hd, group;
};

Shape shape_of(const at::Tensor& q, const at::Tensor& k) {
  return {q.size(0), q.size(1), k.size(1), q.size(2), q.size(3), q.size(1) / k.size(1)};
}

struct Forward {
  at::Tensor out;    // [B, T, H, hd]
  at::Tensor probs;  // [B, H, T, T], zero above the diagonal
};

Forward forward_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  const Shape s = shape_of(q, k);
  at::Tensor scores = at::empty({s.B, s.H, s.T, s.T}, q.options());  // [B, H, T, T]
  for_each_matrix(s.B, s.H, [&](std::int64_t b, std::int64_t h) {
    const at::Tensor qi = mat(q, b, h), ki = mat(k, b, h / s.group), si = mat(scores, b, h);  // [T, hd], [T, hd], [T, T]
    for (std::int64_t r0 = 0; r0 < s.T; r0 += kBlock) {
      const std::int64_t r1 = std::min(s.T, r0 + kBlock);
      gemm(si.slice(0, r0, r1).slice(1, 0, r1), qi.slice(0, r0, r1), ki.slice(0, 0, r1).t(), scale, false);
    }
  });
  // Every entry above the diagonal (also those never computed) becomes -inf, then softmax.
  scores.masked_fill_(future_mask(s.T, q.options()), -std::numeric_limits<double>::infinity());
  Forward f;
  f.probs = at::_softmax(scores, -1, false);  // [B, H, T, T]
  f.out = at::empty({s.B, s.T, s.H, s.hd}, q.options());
  for_each_matrix(s.B, s.H, [&](std::int64_t b, std::int64_t h) {
    const at::Tensor pi = mat(f.probs, b, h), vi = mat(v, b, h / s.group), oi = heads_last(f.out, b, h);
    for (std::int64_t r0 = 0; r0 < s.T; r0 += kBlock) {
      const std::int64_t r1 = std::min(s.T, r0 + kBlock);
      gemm(oi.slice(0, r0, r1), pi.slice(0, r0, r1).slice(1, 0, r1), vi.slice(0, 0, r1), 1.0, false);  // [r, hd]
    }
  });
  return f;
}

// The forward without probabilities kept (no gradient wanted): each (sequence, head) runs
// its query blocks through a [rows, keys] scratch, so the [B, H, T, T] scores never exist and
// the memory is that of one block per thread. Same operations per row as forward_kernel.
at::Tensor forward_blocks(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  const Shape s = shape_of(q, k);
  at::Tensor out = at::empty({s.B, s.T, s.H, s.hd}, q.options());                  // [B, T, H, hd]
  const at::Tensor future = future_mask(std::min(kBlock, s.T), q.options());        // [b, b]
  parallel_for(0, s.B * s.H, 1, [&](std::int64_t i0, std::int64_t i1) {
    at::NoGradGuard no_grad;
    at::Tensor scores = at::empty({std::min(kBlock, s.T) * s.T}, q.options());      // one block's [rows, keys]
    at::Tensor probs = at::empty_like(scores);
    for (std::int64_t i = i0; i < i1; ++i) {
      const std::int64_t b = i / s.H, h = i % s.H;
      const at::Tensor qi = mat(q, b, h), ki = mat(k, b, h / s.group), vi = mat(v, b, h / s.group);  // [T, hd]
      const at::Tensor oi = heads_last(out, b, h);                                                   // [T, hd]
      for (std::int64_t r0 = 0; r0 < s.T; r0 += kBlock) {
        const std::int64_t r1 = std::min(s.T, r0 + kBlock), n = r1 - r0;
        at::Tensor si = scores.narrow(0, 0, n * r1).view({n, r1});  // [n, r1]: keys 0..r1-1
        at::Tensor pi = probs.narrow(0, 0, n * r1).view({n, r1});
        gemm(si, qi.slice(0, r0, r1), ki.slice(0, 0, r1).t(), scale, false);
        si.narrow(1, r0, n).masked_fill_(future.narrow(0, 0, n).narrow(1, 0, n),
                                         -std::numeric_limits<double>::infinity());
        at::_softmax_out(pi, si, -1, false);
        gemm(oi.slice(0, r0, r1), pi, vi.slice(0, 0, r1), 1.0, false);  // [n, hd]
      }
    }
  });
  return out;
}

// forward_blocks fused for float32 on AVX-512 (packed_gemm.h, softmax_rows.h): per (sequence,
// head), k transposed once, then per block of 64 queries the scores scale q k^T over the keys
// up to the block's last query, their causal softmax, and p v, with no ATen op in the loop.
at::Tensor forward_rows(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  constexpr std::int64_t kRows = 64;
  const Shape s = shape_of(q, k);
  at::Tensor out = at::empty({s.B, s.T, s.H, s.hd}, q.options());  // [B, T, H, hd]
  const at::Tensor kt = k.transpose(2, 3).contiguous();  // [B, KV, hd, T]: once per kv head
  const float* Q = q.data_ptr<float>();
  const float* KT = kt.data_ptr<float>();
  const float* V = v.data_ptr<float>();
  float* O = out.data_ptr<float>();
  const std::int64_t T = s.T, hd = s.hd, ldo = s.H * hd;
  parallel_for(0, s.B * s.H, 1, [&](std::int64_t i0, std::int64_t i1) {
    std::vector<float> scores(static_cast<size_t>(std::min(kRows, T) * T));  // [rows, keys]
    for (std::int64_t i = i0; i < i1; ++i) {
      const std::int64_t b = i / s.H, h = i % s.H, j = h / s.group;
      const float* qh = Q + b * q.stride(0) + h * q.stride(1);  // rows of stride q.stride(2)
      const float* kth = KT + (b * s.KV + j) * hd * T;          // [hd, T]
      const float* vh = V + b * v.stride(0) + j * v.stride(1);
      float* oh = O + b * T * ldo + h * hd;
      for (std::int64_t r0 = 0; r0 < T; r0 += kRows) {
        const std::int64_t r1 = std::min(T, r0 + kRows), n = r1 - r0;
        gemm_rows(qh + r0 * q.stride(2), n, hd, q.stride(2), kth, T, r1, static_cast<float>(scale),
                  scores.data(), r1);                                  // [n, r1]
        causal_softmax_rows(scores.data(), n, r1, r0 + 1, r1);        // query r0 + i sees keys 0..r0 + i
        gemm_rows(scores.data(), n, r1, r1, vh, v.stride(2), hd, 1.0f, oh + r0 * ldo, ldo);  // [n, hd]
      }
    }
  });
  return out;
}

// Gradients of q, k, v from the output's gradient dout [B, T, H, hd].
std::array<at::Tensor, 3> backward_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                          const at::Tensor& probs, at::Tensor dout, double scale) {
  const Shape s = shape_of(q, k);
  if (dout.stride(-1) != 1) dout = dout.contiguous();
  at::Tensor dprobs = at::empty({s.B, s.H, s.T, s.T}, q.options());  // [B, H, T, T]
  at::Tensor dq = at::empty({s.B, s.T, s.H, s.hd}, q.options());
  at::Tensor dk = at::empty({s.B, s.T, s.KV, s.hd}, q.options());
  at::Tensor dv = at::empty({s.B, s.T, s.KV, s.hd}, q.options());
  // Per kv head (its query heads in turn, so that dv and dk are summed on one thread):
  // dP = dout v^T below the diagonal (0 above), dv = sum over its heads of P^T dout.
  for_each_matrix(s.B, s.KV, [&](std::int64_t b, std::int64_t j) {
    const at::Tensor vj = mat(v, b, j), dvj = heads_last(dv, b, j);  // [T, hd]
    for (std::int64_t g = 0; g < s.group; ++g) {
      const std::int64_t h = j * s.group + g;
      const at::Tensor doi = heads_last(dout, b, h), pi = mat(probs, b, h), dpi = mat(dprobs, b, h);
      for (std::int64_t r0 = 0; r0 < s.T; r0 += kBlock) {
        const std::int64_t r1 = std::min(s.T, r0 + kBlock);
        gemm(dpi.slice(0, r0, r1).slice(1, 0, r1), doi.slice(0, r0, r1), vj.slice(0, 0, r1).t(), 1.0, false);
        if (r1 < s.T) dpi.slice(0, r0, r1).slice(1, r1, s.T).zero_();
        // Keys [r0, r1) are seen by queries r0..T-1 only.
        gemm(dvj.slice(0, r0, r1), pi.slice(0, r0, s.T).slice(1, r0, r1).t(), doi.slice(0, r0, s.T), 1.0, g > 0);
      }
    }
  });
  // dS = P * (dP - rowsum(P * dP)): the softmax's backward, for all heads at once.
  const at::Tensor dscores = at::_softmax_backward_data(dprobs, probs, -1, q.scalar_type());  // [B, H, T, T]
  // dq = scale dS k, dk = scale * sum over the kv head's query heads of dS^T q.
  for_each_matrix(s.B, s.KV, [&](std::int64_t b, std::int64_t j) {
    const at::Tensor kj = mat(k, b, j), dkj = heads_last(dk, b, j);  // [T, hd]
    for (std::int64_t g = 0; g < s.group; ++g) {
      const std::int64_t h = j * s.group + g;
      const at::Tensor dsi = mat(dscores, b, h), qi = mat(q, b, h), dqi = heads_last(dq, b, h);
      for (std::int64_t r0 = 0; r0 < s.T; r0 += kBlock) {
        const std::int64_t r1 = std::min(s.T, r0 + kBlock);
        gemm(dqi.slice(0, r0, r1), dsi.slice(0, r0, r1).slice(1, 0, r1), kj.slice(0, 0, r1), scale, false);
        gemm(dkj.slice(0, r0, r1), dsi.slice(0, r0, s.T).slice(1, r0, r1).t(), qi.slice(0, r0, s.T), scale, g > 0);
      }
    }
  });
  return {dq.transpose(1, 2), dk.transpose(1, 2), dv.transpose(1, 2)};  // [B, H|KV, T, hd] views
}

struct CausalAttentionFunction : public torch::autograd::Function<CausalAttentionFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor q, at::Tensor k, at::Tensor v,
                            double scale) {
    Forward f = forward_kernel(q, k, v, scale);
    ctx->save_for_backward({q, k, v, f.probs});
    ctx->saved_data["scale"] = scale;
    return f.out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    if (!grads[0].defined()) return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    const torch::autograd::variable_list saved = ctx->get_saved_variables();
    std::array<at::Tensor, 3> d =
        backward_kernel(saved[0], saved[1], saved[2], saved[3], grads[0], ctx->saved_data["scale"].toDouble());
    return {d[0], d[1], d[2], at::Tensor()};
  }
};

}  // namespace

std::pair<at::Tensor, at::Tensor> kv_per_query_head(const at::Tensor& k, const at::Tensor& v, std::int64_t H) {
  const std::int64_t KV = k.size(1);
  if (KV == H) return {k, v};
  return {k.repeat_interleave(H / KV, 1), v.repeat_interleave(H / KV, 1)};  // [B, H, T, hd] each
}

at::Tensor causal_attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      double scale) {
  const std::int64_t H = q.size(1), T = q.size(2);
  const auto [kh, vh] = kv_per_query_head(k, v, H);  // [B, H, T, hd]
  at::Tensor scores = at::matmul(q, kh.transpose(-2, -1)) * scale;  // [B, H, T, T]
  scores = scores.masked_fill(future_mask(T, q.options()), -std::numeric_limits<double>::infinity());
  return at::matmul(at::softmax(scores, -1), vh).transpose(1, 2).contiguous();  // [B, T, H, hd]
}

namespace {

void check_shapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  if (q.dim() != 4 || k.dim() != 4 || v.sizes() != k.sizes() || q.size(0) != k.size(0) ||
      q.size(2) != k.size(2) || q.size(3) != k.size(3) || k.size(1) == 0 || q.size(1) % k.size(1) != 0)
    throw UsageError("causal_attention: q must be [B, H, T, hd] and k, v [B, KV, T, hd] with KV dividing H");
}

}  // namespace

at::Tensor causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  check_shapes(q, k, v);
  const bool kernel = q.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu() &&
                      (q.scalar_type() == at::kFloat || q.scalar_type() == at::kDouble) &&
                      k.scalar_type() == q.scalar_type() && v.scalar_type() == q.scalar_type() && q.numel() > 0;
  if (!kernel) return causal_attention_reference(q, k, v, scale);
  const bool grad = at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
  if (!grad) return forward_blocks(q, k, v, scale);
  return CausalAttentionFunction::apply(q, k, v, scale);
}

at::Tensor causal_attention_inference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  check_shapes(q, k, v);
  const bool fused = !at::GradMode::is_enabled() && packed_gemm_enabled() && q.numel() > 0 && q.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu() &&
                     q.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat &&
                     v.scalar_type() == at::kFloat && q.stride(3) == 1 && k.stride(3) == 1 && v.stride(3) == 1;
  return fused ? forward_rows(q, k, v, scale) : causal_attention(q, k, v, scale);
}

}  // namespace depthscope
