#pragma once
// The evaluation set of the perplexity-based analyses (perplexity, layer-removal sweep,
// greedy pruning): the token ids and the windows they are scored in. Built here, in one
// place, because the CLI and the GUI must report the same numbers for the same model, text
// and settings:
//  - text is tokenized with the checkpoint's tokenizer, with the tokenizer's BOS first;
//  - windows.bos_id is that same BOS, so every window starts with BOS (llama.cpp does this
//    when the vocabulary adds BOS); without a BOS, no replacement (-1);
//  - ids given directly (CLI --tokens) are used as they are, with no BOS replacement.
// Torch-free and Qt-free: the GUI reaches it through core/session/model_session.h.
#include <cstdint>
#include <string>
#include <vector>

#include "core/analysis/perplexity.h"
#include "core/model/config.h"

namespace depthscope {

class Tokenizer;

// The text used when none is given (Debian package fortunes-min).
inline constexpr const char* kDefaultCorpus = "/usr/share/games/fortunes/fortunes";

struct EvalSetOptions {
  std::int64_t max_tokens = 0;  // > 0: only the first max_tokens ids (BOS included); 0: all
  std::int64_t n_ctx = 0;       // window length; 0: min(512, the model's context, the token count)
  std::int64_t stride = 0;      // as PerplexityOptions::stride
};

struct EvalSet {
  std::vector<std::int64_t> tokens;
  PerplexityOptions windows;  // n_ctx, stride and bos_id as above
  std::string source;         // where the ids came from (a path or a description), for logs
};

// Tokenizes `text` (BOS first), keeps max_tokens ids and sets the windows. `source` names
// the text in errors. Throws FileError(source, ...) when fewer than 2 ids result or an id is
// outside the model's vocabulary (a tokenizer that does not belong to the checkpoint).
EvalSet eval_set_from_text(const std::string& text, const Tokenizer& tokenizer, const ModelConfig& model,
                           const EvalSetOptions& options, const std::string& source);

// Reads `path` (kDefaultCorpus when empty) and calls eval_set_from_text. With max_tokens > 0
// only the beginning of the file is read (whole lines, 16 bytes per token wanted), so a
// large corpus costs no more than the ids kept. Throws FileError naming the file; for a
// missing default corpus the message says which package to install.
EvalSet eval_set_from_file(const std::string& path, const Tokenizer& tokenizer, const ModelConfig& model,
                           const EvalSetOptions& options);

// Ids as given (no BOS added, no BOS replacement); the same checks and windows as above.
EvalSet eval_set_from_ids(std::vector<std::int64_t> ids, const ModelConfig& model, const EvalSetOptions& options,
                          const std::string& source);

}  // namespace depthscope
