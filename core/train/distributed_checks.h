#pragma once
// What the ranks of a data-parallel run agree on before and while they train
// (docs/distributed.md): starting together, identical tensors, each rank's rows.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/training_data.h"

namespace depthscope {

class DistGroup;

// Rows [r*B/W, (r+1)*B/W) of a global micro-batch: rank r's share, by global sample index.
TrainingBatch rank_share(const TrainingBatch& global, const DistGroup& g);

// Every rank's tensors must be the same after the broadcast: a 64-bit hash of each tensor's
// bytes (exact, unlike a sum whose rounding depends on the thread count), compared by
// all-reduce min against max. Throws UsageError naming `what`.
void check_identical(DistGroup& g, const std::vector<at::Tensor>& tensors, const std::string& what);

// The ranks start a run together or not at all: any rank's refusal stops every rank.
void agree_to_start(DistGroup& g, const std::string& refusal, std::int64_t run);

}  // namespace depthscope
