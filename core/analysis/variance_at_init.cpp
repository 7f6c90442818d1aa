#include "core/analysis/variance_at_init.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

#include "core/analysis/formulas.h"
#include "core/error.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/torch_device.h"

namespace depthscope {

ModelConfig variance_at_init_config(const VarianceAtInitRequest& r) {
  if (r.layers < 1 || r.layers > 1024) throw UsageError("layers must be in 1..1024");
  if (r.width < 8 || r.width > 8192 || r.width % 8 != 0)
    throw UsageError("width must be a multiple of 8 in 8..8192");
  ModelConfig c;
  c.family = ModelFamily::llama;
  c.vocab_size = r.vocab;
  c.hidden_size = r.width;
  c.num_layers = r.layers;
  // About 64 per head, as in the paper's models; the head size must divide the width and be
  // even for RoPE (1048 would otherwise give 8 heads of 131), so fewer heads are taken until
  // it is. A width that is a multiple of 8 always ends at a valid count.
  c.num_heads = std::max<std::int64_t>(1, r.width / 64);
  while (c.num_heads > 1 && (r.width % c.num_heads != 0 || (r.width / c.num_heads) % 2 != 0)) --c.num_heads;
  c.num_kv_heads = c.num_heads;
  c.intermediate_size = (r.width * 8 / 3 + 7) / 8 * 8;  // SwiGLU's 8/3 d, rounded to 8
  c.max_position = std::max<std::int64_t>(r.seq_len, 256);
  c.norm_scheme = r.scheme;
  c.tie_word_embeddings = false;
  return c;
}

namespace {

// Variance over all elements of a [B, T, d] residual stream (population, divide by n).
double all_element_variance(const at::Tensor& x) { return formulas::element_moments(x).variance(); }

}  // namespace

std::vector<LayerVariance> variance_at_init(const VarianceAtInitRequest& r, const RunControl& control,
                                            const std::function<void(const LayerVariance&)>& on_layer) {
  const ModelConfig config = variance_at_init_config(r);
  control.report(0, static_cast<double>(r.layers), "initialising " + display_name(r.scheme));
  const Transformer model = model_on(Transformer::random(config, r.seed), torch_device(r.device));
  at::Generator gen = at::detail::createCPUGenerator(r.seed + 1);
  at::Tensor tokens = at::randint(0, r.vocab, {r.batch, r.seq_len}, gen, at::kLong);  // [B, T]

  std::vector<LayerVariance> out;
  at::NoGradGuard no_grad;
  at::Tensor x = model.embed(tokens);  // [B, T, d]
  double input_var = all_element_variance(x);
  for (std::int64_t l = 1; l <= r.layers; ++l) {
    control.check_cancel();
    x = model.block(l, x);
    LayerVariance v{l, input_var, all_element_variance(x)};
    input_var = v.output_variance;
    out.push_back(v);
    if (on_layer) on_layer(v);
    control.report(static_cast<double>(l), static_cast<double>(r.layers),
                   display_name(r.scheme) + ": layer " + std::to_string(l) + "/" +
                       std::to_string(r.layers));
  }
  return out;
}

}  // namespace depthscope
