#include "core/model/rms_norm_lns.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include "core/error.h"
#include "core/runtime/kernel_dispatch.h"

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
#include "kernels/rms_norm_lns.h"
#endif

namespace depthscope {

namespace {

void check_shapes(const at::Tensor& x, const at::Tensor& w) {
  if (x.dim() < 1 || w.dim() != 1 || w.size(0) != x.size(-1))
    throw UsageError("rms_norm_lns: expected x [..., d] and a weight [d]");
}

// The dtype the references compute in: float32, or float64 for float64 inputs.
at::ScalarType compute_type(const at::Tensor& x) {
  return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// True when the fused kernels read x and w: CUDA, f32/f16/bf16, one dtype and device.
bool kernels_read(const at::Tensor& x, const at::Tensor& w) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  return kernels_apply(x) && kernel_element_type(x.scalar_type()) && w.scalar_type() == x.scalar_type() &&
         w.device() == x.device() && x.numel() > 0;
#else
  (void)x;
  (void)w;
  return false;
#endif
}

#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
RmsNormLnsForward forward_kernel(const at::Tensor& x, const at::Tensor& w, double eps, double s) {
  const std::int64_t d = x.size(-1);
  const at::Tensor xc = x.reshape({-1, d}).contiguous();  // [rows, d]
  const at::Tensor wc = w.contiguous();                   // [d]
  const std::int64_t rows = xc.size(0);
  at::Tensor y = at::empty_like(xc);                                               // [rows, d]
  at::Tensor inv_rms = at::empty({rows}, x.options().dtype(at::kFloat));           // [rows]
  check_kernel(kernels::rms_norm_lns_forward_device(*kernel_element_type(x.scalar_type()), xc.data_ptr(),
                                                    wc.data_ptr(), rows, d, static_cast<float>(eps),
                                                    static_cast<float>(s), y.data_ptr(),
                                                    inv_rms.data_ptr<float>(), kernel_device_index(x), kernel_stream(x)),
               "rms_norm_lns forward");
  return {y.view(x.sizes()), inv_rms.view(x.sizes().slice(0, x.dim() - 1))};
}

RmsNormLnsGrads backward_kernel(const at::Tensor& g, const at::Tensor& x, const at::Tensor& w,
                                const at::Tensor& inv_rms, double s, bool want_dx, bool want_dw) {
  const std::int64_t d = x.size(-1);
  const at::Tensor gc = g.to(x.scalar_type()).reshape({-1, d}).contiguous();  // [rows, d]
  const at::Tensor xc = x.reshape({-1, d}).contiguous();                      // [rows, d]
  const at::Tensor wc = w.contiguous();                                       // [d]
  const at::Tensor rc = inv_rms.reshape({-1}).contiguous();                   // [rows] float32
  const std::int64_t rows = xc.size(0);
  RmsNormLnsGrads out;
  at::Tensor dx = want_dx ? at::empty_like(xc) : at::Tensor();  // [rows, d]
  at::Tensor dw = want_dw ? at::empty_like(wc) : at::Tensor();  // [d]
  at::Tensor workspace;
  if (want_dw)
    workspace = at::empty({kernels::rms_norm_lns_backward_workspace_floats(rows, d)}, x.options().dtype(at::kFloat));
  check_kernel(kernels::rms_norm_lns_backward_device(
                   *kernel_element_type(x.scalar_type()), gc.data_ptr(), xc.data_ptr(), wc.data_ptr(),
                   rc.data_ptr<float>(), rows, d, static_cast<float>(s), want_dx ? dx.data_ptr() : nullptr,
                   want_dw ? dw.data_ptr() : nullptr, want_dw ? workspace.data_ptr<float>() : nullptr,
                   kernel_device_index(x), kernel_stream(x)),
               "rms_norm_lns backward");
  if (want_dx) out.dx = dx.view(x.sizes());
  out.dw = dw;
  return out;
}
#endif

RmsNormLnsForward forward_dispatch(const at::Tensor& x, const at::Tensor& w, double eps, double s) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  if (kernels_read(x, w)) return forward_kernel(x, w, eps, s);
#endif
  return rms_norm_lns_forward_reference(x, w, eps, s);
}

RmsNormLnsGrads backward_dispatch(const at::Tensor& g, const at::Tensor& x, const at::Tensor& w,
                                  const at::Tensor& inv_rms, double s, bool want_dx, bool want_dw) {
#ifdef DEPTHSCOPE_HAVE_CUDA_KERNELS
  if (kernels_read(x, w) && inv_rms.scalar_type() == at::kFloat) return backward_kernel(g, x, w, inv_rms, s, want_dx, want_dw);
#endif
  (void)want_dx;
  (void)want_dw;
  return rms_norm_lns_backward_reference(g, x, w, inv_rms, s);
}

struct RmsNormLnsFunction : public torch::autograd::Function<RmsNormLnsFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor x, at::Tensor w, double eps,
                            double s) {
    RmsNormLnsForward f = forward_dispatch(x, w, eps, s);
    ctx->save_for_backward({x, w, f.inv_rms});
    ctx->saved_data["s"] = s;
    return f.y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    if (!grads[0].defined()) return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    const torch::autograd::variable_list saved = ctx->get_saved_variables();
    const bool want_dx = ctx->needs_input_grad(0), want_dw = ctx->needs_input_grad(1);
    RmsNormLnsGrads g =
        backward_dispatch(grads[0], saved[0], saved[1], saved[2], ctx->saved_data["s"].toDouble(), want_dx, want_dw);
    return {want_dx ? g.dx : at::Tensor(), want_dw ? g.dw : at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

RmsNormLnsForward rms_norm_lns_forward_reference(const at::Tensor& x, const at::Tensor& w, double eps, double s) {
  check_shapes(x, w);
  const at::ScalarType ct = compute_type(x);
  const at::Tensor xf = x.to(ct), wf = w.to(ct);                  // [..., d], [d]
  const at::Tensor inv = at::rsqrt(xf.pow(2).mean({-1}, /*keepdim=*/true) + eps);  // [..., 1]
  return {(xf * inv * wf * s).to(x.scalar_type()), inv.squeeze(-1)};
}

RmsNormLnsGrads rms_norm_lns_backward_reference(const at::Tensor& g, const at::Tensor& x, const at::Tensor& w,
                                                const at::Tensor& inv_rms, double s) {
  check_shapes(x, w);
  const at::ScalarType ct = compute_type(x);
  const std::int64_t d = x.size(-1);
  const at::Tensor gf = g.to(ct), xf = x.to(ct), wf = w.to(ct);  // [..., d], [..., d], [d]
  const at::Tensor r = inv_rms.to(ct).unsqueeze(-1);            // [..., 1]
  const at::Tensor gw = gf * wf;                                // [..., d]
  const at::Tensor c = (gw * xf).mean({-1}, /*keepdim=*/true) * r * r;  // r^2 mean(g w x)  [..., 1]
  RmsNormLnsGrads out;
  out.dx = (s * r * (gw - xf * c)).to(x.scalar_type());                         // [..., d]
  out.dw = (s * (gf * xf * r).reshape({-1, d}).sum(0)).to(w.scalar_type());     // [d]
  return out;
}

at::Tensor rms_norm_lns_composition(const at::Tensor& x, const at::Tensor& w, double eps, double s) {
  // RMSNorm over the last dimension: x / sqrt(mean(x^2) + eps) * w, as Transformer::norm.
  const at::Tensor inv = at::rsqrt(x.pow(2).mean({-1}, /*keepdim=*/true) + eps);  // [..., 1]
  at::Tensor y = x * inv * w;                                                      // [..., d]
  return s != 1.0 ? y * s : y;
}

at::Tensor rms_norm_lns_function(const at::Tensor& x, const at::Tensor& w, double eps, double s) {
  check_shapes(x, w);
  return RmsNormLnsFunction::apply(x, w, eps, s);
}

at::Tensor rms_norm_lns(const at::Tensor& x, const at::Tensor& w, double eps, double s) {
  if (kernels_read(x, w)) return rms_norm_lns_function(x, w, eps, s);
  // A weight held in another floating dtype (e.g. bf16 weights, float32 activations) is cast
  // to x's, differentiably, so the kernels still apply.
  if (kernels_apply(x) && w.is_floating_point() && w.scalar_type() != x.scalar_type()) {
    const at::Tensor wx = w.to(x.scalar_type());  // [d]
    if (kernels_read(x, wx)) return rms_norm_lns_function(x, wx, eps, s);
  }
  return rms_norm_lns_composition(x, w, eps, s);
}

at::Tensor pre_norm_lns(const ModelConfig& c, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                        double s) {
  if (c.norm_kind == NormKind::rms) return rms_norm_lns(x, w, c.norm_eps, s);
  const at::Tensor y = at::layer_norm(x, {c.hidden_size}, w, b, c.norm_eps);  // [..., d]
  return s != 1.0 ? y * s : y;
}

}  // namespace depthscope
