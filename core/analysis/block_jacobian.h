#pragma once
// Token-averaged Jacobian of one block (docs/paper.md, diagnostic 4): deep Pre-LN blocks
// become diagonal-dominant, i.e. close to the identity.
//
// Definition (the paper's). For block l with input x_l [T, d] and output y = block_l(x_l),
// the Jacobian of token t with respect to its OWN input,
//   J_t[i][j] = d y_t[i] / d x_t[j],
// averaged over a sample of positions t (cross-token terms through attention are not part
// of it; an identity block gives J = I). Computed exactly with autograd: one backward pass
// per (position, output unit), batched as independent copies of the window prefix 0..t
// (causal attention: y_t depends on tokens 0..t only). Cost per sampled position: d block
// forwards over t + 1 tokens and their backward passes.
// Torch-free header (the GUI includes it).
#include <cstdint>
#include <vector>

#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;
struct ModelConfig;

struct BlockJacobianOptions {
  std::int64_t n_ctx = 64;                // tokens of the window (the first n_ctx of the text)
  std::int64_t positions = 8;             // positions averaged over, spread evenly across the window
  std::int64_t memory_budget_bytes = 0;   // 0: 70% of physical memory
};

struct BlockJacobianResult {
  std::int64_t layer = 0;                 // 1..L
  std::int64_t dim = 0;                   // d
  std::int64_t tokens = 0;                // window length T
  std::vector<std::int64_t> positions;    // the 0-based positions t averaged over
  std::vector<double> jacobian;           // row-major d x d: jacobian[i * d + j] = mean_t J_t[i][j]
  double diagonal_dominance = 0;          // sum_i |J_ii| / sum_ij |J_ij|, 1 for a diagonal J
  double identity_distance = 0;           // ||J - I||_F / sqrt(d)
  double mean_abs_diagonal = 0;
  double mean_abs_off_diagonal = 0;
  std::int64_t memory_estimate_bytes = 0;
};

// Estimated peak memory (bytes) of block_jacobian for this model and window length: the
// d x d result and one batch of window copies through one block with their autograd graph.
std::int64_t block_jacobian_memory_estimate(const ModelConfig& config, std::int64_t tokens);

// Throws UsageError (with the estimated memory) when the estimate exceeds the budget, and for
// a layer outside 1..L. Checks cancel and reports progress per batch of output units.
BlockJacobianResult block_jacobian(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                   std::int64_t layer, const BlockJacobianOptions& options = {},
                                   const RunControl& control = RunControl());

}  // namespace depthscope
