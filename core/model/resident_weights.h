#pragma once
// The bytes of a model's weights that stay resident while it runs, for memory estimates
// (ModelConfig::weight_bytes, core/analysis/memory_estimate.h). Weights held in memory count
// in full (float32 4 bytes, F16/BF16 2 bytes per weight). Weights in a mapping whose pages are
// released once read (checkpoints larger than a quarter of memory, MappedFile) count only as
// the pages in flight: the largest layer's and the head's, while they are being widened; the
// rest lives in the page cache, which the kernel reclaims under pressure.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/model/weights.h"

namespace depthscope {

std::int64_t resident_weight_bytes(const ModelWeights& w);

}  // namespace depthscope
