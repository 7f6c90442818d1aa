#include "core/analysis/layer_stats.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "core/analysis/eval_engine.h"
#include "core/analysis/formulas.h"
#include "core/analysis/perplexity_set.h"
#include "core/error.h"
#include "core/model/probe.h"
#include "core/model/transformer.h"

namespace depthscope {

namespace {

using formulas::Moments;

// Sums over tokens of a [B, T] float64 tensor, with the token count.
struct TokenMean {
  double sum = 0;
  double count = 0;
  void add(const at::Tensor& per_token) {
    sum += per_token.sum().item<double>();
    count += static_cast<double>(per_token.numel());
  }
  double mean() const { return count > 0 ? sum / count : LayerStats::kNaN; }
};

// Everything accumulated for one layer over all windows.
struct LayerAccumulator {
  Moments input, output, attn_in, mlp_in;
  TokenMean input_token_var, output_token_var, attn_ratio, mlp_ratio, cosine, lens_nll;
};

// Reduces the block's internal sites as the forward visits them; nothing is kept but sums
// (and the resid_mid token norms until the MLP update arrives).
class StatsProbe : public LayerProbe {
 public:
  StatsProbe(LayerAccumulator& acc, at::Tensor x_in_norm) : acc_(acc), x_in_norm_(std::move(x_in_norm)) {}

  bool wants(std::int64_t, ProbeSite site) const override {
    return site == ProbeSite::attn_in || site == ProbeSite::attn_out || site == ProbeSite::resid_mid ||
           site == ProbeSite::mlp_in || site == ProbeSite::mlp_out;
  }

  void record(std::int64_t, ProbeSite site, const at::Tensor& x) override {
    switch (site) {
      case ProbeSite::attn_in: acc_.attn_in.merge(formulas::element_moments(x)); break;
      case ProbeSite::mlp_in: acc_.mlp_in.merge(formulas::element_moments(x)); break;
      case ProbeSite::attn_out: acc_.attn_ratio.add(formulas::token_norm(x) / x_in_norm_); break;  // [B, T]
      case ProbeSite::resid_mid: mid_norm_ = formulas::token_norm(x); break;                        // [B, T]
      case ProbeSite::mlp_out:
        if (mid_norm_.defined()) acc_.mlp_ratio.add(formulas::token_norm(x) / mid_norm_);          // [B, T]
        break;
      default: break;
    }
  }

 private:
  LayerAccumulator& acc_;
  at::Tensor x_in_norm_;  // ||x_l|| per token [B, T]
  at::Tensor mid_norm_;   // ||h|| per token [B, T]
};

// Windows of n_ctx tokens; the shorter tail is kept when it has at least 2 tokens.
std::vector<at::Tensor> stats_windows(const std::vector<std::int64_t>& ids, std::int64_t n_ctx) {
  std::vector<at::Tensor> w;
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  for (std::int64_t start = 0; start < n; start += n_ctx) {
    const std::int64_t len = std::min(n_ctx, n - start);
    if (len < 2) break;
    w.push_back(analysis::token_row(ids, start, len));  // [1, len]
  }
  return w;
}

double variance_or_nan(const Moments& m) { return m.count > 0 ? m.variance() : LayerStats::kNaN; }

}  // namespace

LayerStatsResult layer_statistics(const Transformer& model, const std::vector<std::int64_t>& all_tokens,
                                  const LayerStatsOptions& options, const RunControl& control,
                                  const std::function<void(const LayerStats&)>& on_layer) {
  if (options.n_ctx < 2)
    throw UsageError("layer statistics: the context must be at least 2 tokens (got " +
                     std::to_string(options.n_ctx) + ")");
  std::vector<std::int64_t> tokens = all_tokens;
  if (options.max_tokens > 0 && static_cast<std::int64_t>(tokens.size()) > options.max_tokens)
    tokens.resize(static_cast<std::size_t>(options.max_tokens));
  if (tokens.size() < 2)
    throw UsageError("layer statistics: need at least 2 tokens, got " + std::to_string(tokens.size()));
  analysis::check_tokens_fit(model, tokens, std::min<std::int64_t>(options.n_ctx, tokens.size()));

  at::NoGradGuard no_grad;
  const std::int64_t L = model.num_layers();
  const std::vector<at::Tensor> windows = stats_windows(tokens, options.n_ctx);
  const std::size_t W = windows.size();
  LayerStatsResult result;
  result.windows = static_cast<std::int64_t>(W);
  for (const at::Tensor& w : windows) result.tokens += w.size(1);
  if (options.angular) {
    result.angular.token_mean.resize(static_cast<std::size_t>(L));
    result.angular.last_token.resize(static_cast<std::size_t>(L));
  }

  // history[b][w] = x_{b+1} of window w (kept only for the angular matrix).
  std::vector<std::vector<at::Tensor>> history;
  std::vector<at::Tensor> x(W);
  std::vector<formulas::TokenSums> sums(W);  // token sums of x[w], reused as the next layer's input
  for (std::size_t w = 0; w < W; ++w) {
    x[w] = model.embed(windows[w]);  // [1, T, d]
    sums[w] = formulas::token_sums(x[w]);
  }
  if (options.angular) history.push_back(x);

  const double units = static_cast<double>(L) * static_cast<double>(W);
  for (std::int64_t l = 1; l <= L; ++l) {
    LayerAccumulator acc;
    for (std::size_t w = 0; w < W; ++w) {
      control.check_cancel();
      const at::Tensor& x_in = x[w];                      // x_l      [1, T, d]
      const formulas::TokenSums& s_in = sums[w];
      StatsProbe probe(acc, formulas::token_norm(s_in));
      at::Tensor x_out = model.block(l, x_in, &probe);    // x_{l+1}  [1, T, d]
      formulas::TokenSums s_out = formulas::token_sums(x_out);
      acc.input.merge(formulas::element_moments(s_in));
      acc.output.merge(formulas::element_moments(s_out));
      acc.input_token_var.add(formulas::per_token_variance(s_in));    // [1, T]
      acc.output_token_var.add(formulas::per_token_variance(s_out));  // [1, T]
      acc.cosine.add(formulas::cosine(x_in, x_out, s_in, s_out));     // [1, T]
      if (options.logit_lens) {
        const std::int64_t T = x_out.size(1);
        const at::Tensor logits = model.head(x_out.slice(1, 0, T - 1));               // [1, T-1, V]
        acc.lens_nll.add(formulas::next_token_nll(logits, windows[w], 0, T - 1));    // [1, T-1]
      }
      x[w] = x_out;
      sums[w] = std::move(s_out);
      control.report(static_cast<double>(l - 1) * static_cast<double>(W) + static_cast<double>(w + 1), units,
                     "layer " + std::to_string(l) + "/" + std::to_string(L));
    }

    LayerStats s;
    s.layer = l;
    s.input_variance = variance_or_nan(acc.input);
    s.output_variance = variance_or_nan(acc.output);
    s.input_token_variance = acc.input_token_var.mean();
    s.output_token_variance = acc.output_token_var.mean();
    s.rms = std::sqrt(acc.output.variance() + acc.output.mean * acc.output.mean);
    s.attn_update_ratio = acc.attn_ratio.mean();
    s.mlp_update_ratio = acc.mlp_ratio.mean();
    s.attn_norm_out_variance = variance_or_nan(acc.attn_in);
    s.mlp_norm_out_variance = variance_or_nan(acc.mlp_in);
    s.block_influence = formulas::block_influence(acc.cosine.mean());
    if (options.logit_lens) s.logit_lens_loss = acc.lens_nll.mean();

    if (options.angular) {
      history.push_back(x);  // x_{l+1}
      for (std::int64_t k = 1; k <= l; ++k) {  // d(k, l+1)
        TokenMean all, last;
        for (std::size_t w = 0; w < W; ++w) {
          const at::Tensor d = formulas::angular_distance(history[k - 1][w], x[w]);  // [1, T]
          all.add(d);
          last.add(d.select(1, d.size(1) - 1));
        }
        s.angular_to_output_token_mean.push_back(all.mean());
        s.angular_to_output_last_token.push_back(last.mean());
        result.angular.token_mean[k - 1].push_back(all.mean());   // column n-1 = l-k
        result.angular.last_token[k - 1].push_back(last.mean());
      }
    }
    result.layers.push_back(s);
    if (on_layer) on_layer(result.layers.back());
  }
  return result;
}

}  // namespace depthscope
