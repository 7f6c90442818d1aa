#include "app/cli/choice_options.h"

#include <CLI/CLI.hpp>

#include "core/tokenize/tokenizer.h"

namespace depthscope::cli {

void add_choice_options(CLI::App* cmd, ChoiceCliOptions& o, bool required) {
  auto* file = cmd->add_option("--choices", o.file,
                               "Multiple-choice JSONL: lm-eval {query, choices, gold}, {context, choices, answer}, "
                               "ARC, HellaSwag, PIQA or MMLU rows (docs/analysis.md)");
  if (required) file->required();
  cmd->add_option("--format", o.format, "auto|lm-eval|depthscope|arc|hellaswag|piqa|mmlu (auto: from the first line)")
      ->capture_default_str();
  cmd->add_option("--num-fewshot", o.num_fewshot, "Few-shot examples before each item (the first K of --fewshot-file)")
      ->capture_default_str();
  cmd->add_option("--fewshot-file", o.fewshot_file, "JSONL of the same format holding the few-shot examples");
  cmd->add_flag("--add-bos", o.add_bos, "Put BOS before a non-empty context (lm-eval's add_bos_token)");
}

std::vector<MultipleChoiceItem> load_choices(const ChoiceCliOptions& o, const Tokenizer& tokenizer,
                                             std::int64_t max_tokens) {
  ChoiceOptions options;
  options.format = parse_choice_format(o.format);
  options.num_fewshot = o.num_fewshot;
  options.fewshot_file = o.fewshot_file;
  options.add_bos = o.add_bos;
  options.max_tokens = max_tokens;
  return load_multiple_choice(o.file, tokenizer, options);
}

}  // namespace depthscope::cli
