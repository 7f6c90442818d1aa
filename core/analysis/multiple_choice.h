#pragma once
// Multiple-choice accuracy: each item is a context and a few continuations; the model
// picks the continuation with the highest length-normalised log-likelihood (sum of the
// log probabilities of its tokens / its token count; formulas.h). Torch-free header.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/runtime/progress.h"

namespace depthscope {

class Tokenizer;
class Transformer;

struct MultipleChoiceItem {
  std::vector<std::int64_t> context;               // at least one token (BOS if the text is empty)
  std::vector<std::vector<std::int64_t>> choices;  // each at least one token
  std::int64_t answer = 0;                         // 0-based index into choices
};

// Reads a JSONL file, one object per line: {"context": "...", "choices": ["...", ...],
// "answer": 0} where answer is the 0-based index of the right choice or the text of it.
// Blank lines are skipped. A continuation is the tokens of context + choice after those of
// the context (or the choice encoded alone when the context's tokens are not a prefix).
// `bos` (when given) is put before every context. Throws FileError naming the file, the
// line and the field.
std::vector<MultipleChoiceItem> load_multiple_choice_jsonl(const std::string& path,
                                                           const Tokenizer& tokenizer,
                                                           std::optional<std::int64_t> bos);

struct MultipleChoiceResult {
  double accuracy = 0;        // fraction of items answered right
  std::int64_t items = 0;
  std::int64_t correct = 0;
};

// The full model's accuracy.
MultipleChoiceResult multiple_choice_accuracy(const Transformer& model,
                                              const std::vector<MultipleChoiceItem>& items,
                                              const RunControl& control = RunControl());

}  // namespace depthscope
