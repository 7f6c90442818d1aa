#pragma once
// Builds the torch-free ModelSummary (core/io/model_summary.h) from a loaded checkpoint.
#include "core/io/checkpoint.h"
#include "core/io/model_summary.h"

namespace depthscope {

// Counts parameters from the tensors themselves (a tied head counted once) and looks for the
// checkpoint's tokenizer with find_tokenizer_for().
ModelSummary summarize(const LoadedCheckpoint& checkpoint);

}  // namespace depthscope
