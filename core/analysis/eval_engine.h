#pragma once
// The evaluation engine shared by perplexity, the layer-removal sweeps and multiple-choice
// scoring (internal; includes ATen, so the GUI never includes it).
//
// An evaluation set is a list of ScoredBatch: token rows of one length, scored at the same
// positions. The model is run layer by layer over the whole set ("one layer pass" = one
// block applied to every batch), so hidden states at any layer's input can be cached and a
// run can resume from them: that is what makes the cached removal sweep cost L(L+1)/2
// layer passes instead of L^2.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <set>
#include <vector>

#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;

namespace analysis {

struct ScoredBatch {
  at::Tensor tokens;       // [B, T] int64
  std::int64_t begin = 0;  // logits at positions [begin, end) predict tokens [begin + 1, end + 1)
  std::int64_t end = 0;
};

// Sums of the per-token negative log-likelihood over scored positions.
struct NllSums {
  double sum = 0;
  double sum_sq = 0;
  double count = 0;
  void add(const NllSums& o) {
    sum += o.sum;
    sum_sq += o.sum_sq;
    count += o.count;
  }
  double mean() const { return count > 0 ? sum / count : 0.0; }
};

// Hidden states of every batch of a set at one layer boundary: states[b] is [B_b, T_b, d].
using States = std::vector<at::Tensor>;

// Counts layer passes and reports progress ("layer pass k/total").
class PassMeter {
 public:
  PassMeter(const RunControl& control, double total_passes, std::string what)
      : control_(control), total_(total_passes), what_(std::move(what)) {}
  void pass_done();
  std::int64_t passes() const { return passes_; }
  const RunControl& control() const { return control_; }

 private:
  const RunControl& control_;
  double total_;
  std::string what_;
  std::int64_t passes_ = 0;
};

// x_1 for every batch.
States embed_all(const Transformer& model, const std::vector<ScoredBatch>& set);

// Runs layers from..L (1-based), bypassing those in `skip`, starting from `x` = the input of
// layer `from`. When `cache` is given (size L + 1), cache[l - 1] receives the input of each
// layer l >= from that is visited and cache[L] the final state. Checks cancel before each
// layer. Returns the final residual stream.
States run_layers(const Transformer& model, std::int64_t from, States x,
                  const std::set<std::int64_t>& skip, PassMeter& meter,
                  std::vector<States>* cache = nullptr);

// Head + per-row NLL sums: result[b][row].
std::vector<std::vector<NllSums>> score_rows(const Transformer& model, const States& final_states,
                                             const std::vector<ScoredBatch>& set);

// Total over every row of the batches [first, last).
NllSums total(const std::vector<std::vector<NllSums>>& rows, std::size_t first, std::size_t last);

// A [1, T] int64 tensor of ids.
at::Tensor token_row(const std::vector<std::int64_t>& ids, std::int64_t begin, std::int64_t length);

}  // namespace analysis
}  // namespace depthscope
