#include "core/analysis/quant_comparison.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <string>

#include "core/analysis/formulas.h"
#include "core/error.h"
#include "core/model/transformer.h"

namespace depthscope {

namespace {

void require_same_shape(const ModelConfig& q, const ModelConfig& o) {
  auto check = [](const char* what, std::int64_t a, std::int64_t b) {
    if (a != b)
      throw UsageError(std::string("compare-quant: the models differ in ") + what + " (" + std::to_string(a) +
                       " vs " + std::to_string(b) + "); compare a quantised file with its own original");
  };
  check("layers", q.num_layers, o.num_layers);
  check("hidden size", q.hidden_size, o.hidden_size);
  check("vocabulary", q.vocab_size, o.vocab_size);
}

// Sums over every token of every window, per layer.
struct LayerSums {
  double diff_sq = 0, orig_sq = 0;       // ||x_q - x_o||^2, ||x_o||^2
  double var_q = 0, var_o = 0, angle = 0;  // sums over tokens
  double tokens = 0;
};

}  // namespace

QuantComparison compare_quantisation(const Transformer& quantised, const Transformer& original,
                                     const std::vector<std::int64_t>& tokens, const PerplexityOptions& options,
                                     const RunControl& control) {
  require_same_shape(quantised.config(), original.config());
  const std::vector<PerplexityWindowSpec> windows = perplexity_windows(static_cast<std::int64_t>(tokens.size()), options);
  const std::int64_t L = original.num_layers();
  std::vector<LayerSums> sums(static_cast<std::size_t>(L));
  {
    c10::InferenceMode inference;
    for (std::size_t w = 0; w < windows.size(); ++w) {
      control.check_cancel();
      std::vector<std::int64_t> ids(tokens.begin() + windows[w].start, tokens.begin() + windows[w].start + options.n_ctx);
      if (options.bos_id >= 0) ids[0] = options.bos_id;
      const at::Tensor row = at::tensor(ids, at::kLong).unsqueeze(0);  // [1, n_ctx]
      at::Tensor xq = quantised.embed(row.to(quantised.device()));     // [1, n_ctx, d]
      at::Tensor xo = original.embed(row.to(original.device()));       // [1, n_ctx, d]
      for (std::int64_t l = 1; l <= L; ++l) {
        xq = quantised.block(l, xq);
        xo = original.block(l, xo);
        const at::Tensor q = xq.to(at::kCPU, at::kDouble), o = xo.to(at::kCPU, at::kDouble);  // [1, n_ctx, d]
        LayerSums& s = sums[static_cast<std::size_t>(l - 1)];
        s.diff_sq += (q - o).pow(2).sum().item<double>();
        s.orig_sq += o.pow(2).sum().item<double>();
        s.var_q += formulas::per_token_variance(q).sum().item<double>();
        s.var_o += formulas::per_token_variance(o).sum().item<double>();
        s.angle += formulas::angular_distance(q, o).sum().item<double>();
        s.tokens += static_cast<double>(q.size(0) * q.size(1));
      }
      control.report(static_cast<double>(w + 1), static_cast<double>(windows.size()) * 2, "residual streams");
    }
  }
  QuantComparison out;
  for (std::int64_t l = 1; l <= L; ++l) {
    const LayerSums& s = sums[static_cast<std::size_t>(l - 1)];
    QuantLayerDrift d;
    d.layer = l;
    d.relative_error = std::sqrt(s.diff_sq / s.orig_sq);
    d.variance_quantised = s.var_q / s.tokens;
    d.variance_original = s.var_o / s.tokens;
    d.variance_change = d.variance_quantised / d.variance_original - 1.0;
    d.angular_distance = s.angle / s.tokens;
    out.layers.push_back(d);
  }
  out.quantised = perplexity(quantised, tokens, options, control);
  out.original = perplexity(original, tokens, options, control);
  out.delta_ppl = out.quantised.ppl - out.original.ppl;
  return out;
}

}  // namespace depthscope
