#pragma once
// Perplexity over a token sequence, in llama.cpp's convention (its `perplexity` tool):
//  - the ids are cut into non-overlapping windows of n_ctx tokens (a tail shorter than
//    n_ctx is dropped); in each window only the second half is scored: logits at
//    positions n_ctx/2 .. n_ctx-2 predict tokens n_ctx/2+1 .. n_ctx-1, so every scored
//    token sees at least n_ctx/2 tokens of context;
//  - with stride s > 0 (llama.cpp's --ppl-stride) windows of n_ctx tokens start every s
//    tokens and each scores its last s tokens;
//  - optionally the first token of every window is replaced by BOS (llama.cpp does this
//    when the vocabulary adds BOS);
//  - after each window the running value exp(mean NLL so far) is reported, and the final
//    estimate is "PPL = ppl +/- ppl_error" with llama.cpp's uncertainty
//    ppl * sqrt((E[nll^2] - E[nll]^2) / (N - 1)) over the N scored tokens.
// Torch-free header (the GUI includes it).
#include <cstdint>
#include <functional>
#include <vector>

#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;

struct PerplexityOptions {
  std::int64_t n_ctx = 512;   // window length in tokens
  std::int64_t stride = 0;    // 0: non-overlapping windows scoring their second half
  std::int64_t bos_id = -1;   // >= 0: replace the first token of each window by this id
};

// One window's contribution, reported as soon as it is scored.
struct PerplexityWindow {
  std::int64_t window = 0;          // 1-based
  std::int64_t windows = 0;         // in all
  double window_nll = 0;            // mean NLL of this window's scored tokens
  double running_ppl = 0;           // exp(mean NLL over windows 1..window)
  std::int64_t tokens_scored = 0;   // so far
};

struct PerplexityResult {
  double ppl = 0;
  double ppl_error = 0;             // llama.cpp's "+/-"
  double loss = 0;                  // mean NLL (nats per token)
  std::int64_t tokens_scored = 0;
  std::int64_t windows = 0;
  std::vector<double> running_ppl;  // after each window
};

// Token windows of the convention above. Throws UsageError (naming the numbers) when
// fewer than n_ctx tokens are given, n_ctx < 3, or the stride is not in [0, n_ctx).
struct PerplexityWindowSpec {
  std::int64_t start = 0;           // first token of the window in the sequence
  std::int64_t score_begin = 0;     // logits positions [score_begin, score_end) are scored
  std::int64_t score_end = 0;
};
std::vector<PerplexityWindowSpec> perplexity_windows(std::int64_t n_tokens,
                                                     const PerplexityOptions& options);

// Deterministic; checks cancel between windows; reports progress per window.
PerplexityResult perplexity(const Transformer& model, const std::vector<std::int64_t>& tokens,
                            const PerplexityOptions& options, const RunControl& control = RunControl(),
                            const std::function<void(const PerplexityWindow&)>& on_window = {});

}  // namespace depthscope
