#include "core/analysis/eval_engine.h"

#include <ATen/ATen.h>

#include "core/analysis/formulas.h"
#include "core/model/transformer.h"

namespace depthscope::analysis {

void PassMeter::pass_done() {
  ++passes_;
  control_.report(static_cast<double>(passes_), total_,
                  what_ + ": layer pass " + std::to_string(passes_) + "/" +
                      std::to_string(static_cast<std::int64_t>(total_)));
}

States embed_all(const Transformer& model, const std::vector<ScoredBatch>& set) {
  States x;
  x.reserve(set.size());
  for (const ScoredBatch& b : set) x.push_back(model.embed(b.tokens));  // [B, T, d]
  return x;
}

States run_layers(const Transformer& model, std::int64_t from, States x,
                  const std::set<std::int64_t>& skip, PassMeter& meter,
                  std::vector<States>* cache) {
  const std::int64_t L = model.num_layers();
  for (std::int64_t l = from; l <= L; ++l) {
    if (cache) (*cache)[l - 1] = x;
    if (skip.count(l)) continue;  // bypassed: x_{l+1} = x_l
    meter.control().check_cancel();
    for (at::Tensor& xb : x) xb = model.block(l, xb);  // [B, T, d] -> [B, T, d]
    meter.pass_done();
  }
  if (cache) (*cache)[L] = x;
  return x;
}

std::vector<std::vector<NllSums>> score_rows(const Transformer& model, const States& final_states,
                                             const std::vector<ScoredBatch>& set) {
  std::vector<std::vector<NllSums>> out(set.size());
  for (std::size_t b = 0; b < set.size(); ++b) {
    const ScoredBatch& batch = set[b];
    // Only the scored positions go through the head: [B, n, d] -> [B, n, V].
    const at::Tensor logits = model.head(final_states[b].slice(1, batch.begin, batch.end));
    const at::Tensor shifted = batch.tokens.slice(1, batch.begin, batch.end + 1);  // [B, n + 1]
    const at::Tensor nll =
        formulas::next_token_nll(logits, shifted, 0, batch.end - batch.begin);  // [B, n] f64
    const at::Tensor sums = nll.sum(1).cpu().contiguous();                       // [B], read here
    const at::Tensor sq = nll.pow(2).sum(1).cpu().contiguous();                  // [B]
    const double* s = sums.data_ptr<double>();
    const double* q = sq.data_ptr<double>();
    for (std::int64_t r = 0; r < nll.size(0); ++r)
      out[b].push_back(NllSums{s[r], q[r], static_cast<double>(nll.size(1))});
  }
  return out;
}

NllSums total(const std::vector<std::vector<NllSums>>& rows, std::size_t first, std::size_t last) {
  NllSums t;
  for (std::size_t b = first; b < last && b < rows.size(); ++b)
    for (const NllSums& r : rows[b]) t.add(r);
  return t;
}

at::Tensor token_row(const std::vector<std::int64_t>& ids, std::int64_t begin, std::int64_t length) {
  at::Tensor t = at::empty({1, length}, at::kLong);  // [1, T]
  std::int64_t* p = t.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < length; ++i) p[i] = ids[begin + i];
  return t;
}

}  // namespace depthscope::analysis
