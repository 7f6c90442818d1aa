#pragma once
// Token-averaged Jacobian of one block (docs/paper.md, diagnostic 4): deep Pre-LN blocks
// become diagonal-dominant, i.e. close to the identity.
//
// Definition used. For block l with input x_l [T, d] and output y = block_l(x_l):
//   J[i][j] = (1/T) * sum_t d y_t[i] / d s_j
// where s is one shift added to the input of EVERY token (x_t + s for all t). Cross-token
// terms through attention are therefore included; a block that is the identity gives J = I.
// Computed by central finite differences, one column per hidden unit j:
//   J[:, j] = mean_t (block(x + eps e_j) - block(x - eps e_j))_t / (2 eps),
// eps = epsilon_rel * RMS(x_l), columns batched. This needs only forward passes (works with
// any LibTorch, no autograd graph); the float32 forward limits the accuracy to about
// 1e-4 absolute per entry with the default epsilon.
// Torch-free header (the GUI includes it).
#include <cstdint>
#include <vector>

#include "core/runtime/progress.h"

namespace depthscope {

class Transformer;
struct ModelConfig;

struct BlockJacobianOptions {
  std::int64_t n_ctx = 64;                // tokens of the window the Jacobian is averaged over
  double epsilon_rel = 1e-3;              // finite-difference step relative to RMS(x_l)
  std::int64_t memory_budget_bytes = 0;   // 0: half of the physical memory
};

struct BlockJacobianResult {
  std::int64_t layer = 0;                 // 1..L
  std::int64_t dim = 0;                   // d
  std::int64_t tokens = 0;                // T averaged over
  std::vector<double> jacobian;           // row-major d x d: jacobian[i * d + j] = J[i][j]
  double diagonal_dominance = 0;          // sum_i |J_ii| / sum_ij |J_ij|, 1 for a diagonal J
  double identity_distance = 0;           // ||J - I||_F / sqrt(d)
  double mean_abs_diagonal = 0;
  double mean_abs_off_diagonal = 0;
};

// Estimated peak memory (bytes) of block_jacobian for this model and window length: the
// d x d result plus one batch of two perturbed forwards through one block.
std::int64_t block_jacobian_memory_estimate(const ModelConfig& config, std::int64_t tokens);

// Runs x_l from the first n_ctx tokens, then the finite-difference columns. Throws UsageError
// (with the estimated memory) when the estimate exceeds the budget, and for a layer outside
// 1..L. Checks cancel and reports progress per column batch.
BlockJacobianResult block_jacobian(const Transformer& model, const std::vector<std::int64_t>& tokens,
                                   std::int64_t layer, const BlockJacobianOptions& options = {},
                                   const RunControl& control = RunControl());

}  // namespace depthscope
