#pragma once
// What `multiple-choice` and `prune-sweep --choices` share: the choices file, its format,
// few-shot examples and BOS, read into lm-eval-style requests (core/analysis/multiple_choice.h).
#include <cstdint>
#include <string>
#include <vector>

#include "core/analysis/multiple_choice.h"

namespace CLI {
class App;
}

namespace depthscope {
class Tokenizer;
}

namespace depthscope::cli {

struct ChoiceCliOptions {
  std::string file;                // --choices FILE
  std::string format = "auto";     // --format
  std::int64_t num_fewshot = 0;    // --num-fewshot K
  std::string fewshot_file;        // --fewshot-file F
  bool add_bos = false;            // --add-bos
};

// Adds --choices (required when `required`), --format, --num-fewshot, --fewshot-file, --add-bos.
void add_choice_options(CLI::App* cmd, ChoiceCliOptions& o, bool required);
// The requests for a model whose context is `max_tokens` tokens.
std::vector<MultipleChoiceItem> load_choices(const ChoiceCliOptions& o, const Tokenizer& tokenizer,
                                             std::int64_t max_tokens);

}  // namespace depthscope::cli
