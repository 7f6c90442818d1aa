#pragma once
// Layer removal without retraining (docs/paper.md, diagnostic 1): the loss and perplexity
// of the model with layers bypassed (x_{l+1} = x_l), against the full model.
//
// Cost model. One "layer pass" = one block applied to the whole evaluation set. The full
// model costs L passes. The cached sweep keeps the full model's hidden state at every
// layer's input, so removing layer k resumes from x_k and costs L - k passes: the sweep,
// baseline included, costs L + sum_k (L - k) = L(L+1)/2 passes. The naive sweep runs each
// configuration from the embeddings: L + L(L-1) = L^2 passes. Both give identical numbers
// (same operations on the same tensors).
//
// Scoring: the text is windowed and scored exactly as perplexity() (llama.cpp convention);
// multiple-choice items, when given, are scored in the same passes.
// Torch-free header (the GUI includes it).
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "core/analysis/multiple_choice.h"
#include "core/analysis/perplexity.h"
#include "core/model/config.h"
#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;

struct RemovalOptions {
  PerplexityOptions windows;                // text windows and scoring
  std::vector<MultipleChoiceItem> choices;  // optional multiple-choice set
  bool cached = true;                       // false: the naive sweep (tests, benchmarks)
  bool parallel = true;                     // configurations on every tensor thread (false: one after another)
  std::int64_t memory_budget_bytes = 0;     // 0: 70% of physical memory
};

// Estimated peak memory of a sweep over `tokens` ids (greedy: the pruning curve, which keeps
// three caches). Every sweep checks it first and throws UsageError with the estimate and the
// largest --max-tokens that would fit when it exceeds the budget.
std::int64_t removal_memory_estimate(const ModelConfig& config, std::int64_t tokens,
                                     const RemovalOptions& options, bool greedy);
// The check every sweep runs first (callers use it to fail before any work).
void check_removal_memory(const ModelConfig& config, std::int64_t tokens, const RemovalOptions& options,
                          bool greedy);

// Score of one model configuration.
struct RemovalScore {
  double loss = 0;  // mean NLL over the scored text tokens
  double ppl = 0;   // exp(loss)
  // Multiple choice (multiple_choice.h; NaN without choices): acc, acc_norm, their stderr.
  double accuracy = std::numeric_limits<double>::quiet_NaN();  // acc
  double acc_norm = std::numeric_limits<double>::quiet_NaN();
  double acc_stderr = std::numeric_limits<double>::quiet_NaN();
  double acc_norm_stderr = std::numeric_limits<double>::quiet_NaN();
};

struct LayerRemovalEntry {
  std::int64_t layer = 0;  // 1..L, the layer bypassed
  RemovalScore score;
  double delta_loss = 0;   // score - baseline
  double delta_ppl = 0;
  double delta_accuracy = std::numeric_limits<double>::quiet_NaN();
  double delta_acc_norm = std::numeric_limits<double>::quiet_NaN();
};

struct LayerRemovalSweep {
  std::int64_t memory_estimate_bytes = 0;
  RemovalScore baseline;
  std::vector<LayerRemovalEntry> layers;  // layer 1..L
  std::int64_t layer_passes = 0;
};

// Bypasses each layer in turn. on_layer is called as soon as each layer's entry is known
// (in layer order, on the calling thread). Checks cancel before every layer pass.
LayerRemovalSweep layer_removal_sweep(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                      const RemovalOptions& options,
                                      const RunControl& control = RunControl(),
                                      const std::function<void(const LayerRemovalEntry&)>& on_layer = {});

// Contiguous blocks: layers start .. start+n-1 bypassed, for n = 1..max_block and every
// start = 1..L-n+1 (heatmap over start x n). Always cached.
struct BlockRemovalEntry {
  std::int64_t start = 0;  // first bypassed layer, 1-based
  std::int64_t n = 0;      // block length
  RemovalScore score;
  double delta_loss = 0;
  double delta_ppl = 0;
};

struct BlockRemovalSweep {
  std::int64_t memory_estimate_bytes = 0;
  RemovalScore baseline;
  std::vector<BlockRemovalEntry> blocks;  // n-major: n = 1 (all starts), n = 2, ...
  std::int64_t layer_passes = 0;
};

BlockRemovalSweep block_removal_sweep(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                      const RemovalOptions& options, std::int64_t max_block,
                                      const RunControl& control = RunControl(),
                                      const std::function<void(const BlockRemovalEntry&)>& on_block = {});

// Greedy pruning curve: starting from the full model, repeatedly bypass the remaining layer
// whose removal gives the lowest loss. Step 0 is the full model; step k has k layers removed.
struct PruningStep {
  std::int64_t removed_count = 0;
  std::int64_t layer = 0;               // the layer removed at this step (0 at step 0)
  std::vector<std::int64_t> removed;    // all removed layers, ascending
  RemovalScore score;
};

struct PruningCurve {
  std::int64_t memory_estimate_bytes = 0;
  std::vector<PruningStep> steps;
  std::int64_t layer_passes = 0;
};

// The layer passes (one block applied to the evaluation set) of the cached sweep of an
// L-layer model, and at most those of its greedy curve removing max_removed layers (<= 0:
// L - 1): the progress of each is counted in them, and a caller running several analyses
// weights their phases by them.
double removal_sweep_passes(std::int64_t layers);
double greedy_pruning_passes(std::int64_t layers, std::int64_t max_removed);

// max_removed <= 0 means L - 1 (all but one layer).
PruningCurve greedy_pruning_curve(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                  const RemovalOptions& options, std::int64_t max_removed = 0,
                                  const RunControl& control = RunControl(),
                                  const std::function<void(const PruningStep&)>& on_step = {});

}  // namespace depthscope
