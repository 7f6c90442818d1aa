#pragma once
// Multiple-choice accuracy, scored as lm-evaluation-harness scores loglikelihood multiple
// choice (lm_eval/api/task.py: process_results; lm_eval/api/model.py: _encode_pair;
// lm_eval/models/huggingface.py: _loglikelihood_tokens). For each choice the continuation is
// " " + choice (the target delimiter); trailing spaces of the context move onto it; its
// tokens are enc(context + continuation)[len(enc(context)):]; an empty context is the BOS
// token; no BOS before a non-empty context unless add_bos. acc: argmax of the summed
// continuation log-probabilities; acc_norm: argmax of that sum / the choice's length in
// characters; stderr: sample standard deviation (n - 1) / sqrt(n). docs/analysis.md.
// Torch-free header.
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/choice_docs.h"
#include "core/runtime/progress.h"

namespace depthscope {

class Tokenizer;
class Transformer;

struct MultipleChoiceItem {
  std::vector<std::int64_t> context;               // at least one token (BOS if the text is empty)
  std::vector<std::vector<std::int64_t>> choices;  // each choice's continuation tokens, at least one
  std::vector<std::int64_t> choice_chars;          // each choice's length in characters (acc_norm)
  std::int64_t answer = 0;                         // 0-based index into choices
  // The model's context: a longer context + continuation keeps its last max_tokens tokens.
  // 0: no limit.
  std::int64_t max_tokens = 0;
};

using EncodeText = std::function<std::vector<std::int64_t>(const std::string&)>;

// lm-eval's request for one document: the context (few-shot examples included, see
// fewshot_context) and each choice's continuation. Throws UsageError when the context is
// empty and there is no BOS, or a continuation has no tokens.
MultipleChoiceItem choice_request(const std::string& context, const ChoiceDoc& doc, const EncodeText& encode,
                                  std::optional<std::int64_t> bos, bool add_bos);

struct ChoiceOptions {
  ChoiceFormat format = ChoiceFormat::detect;
  std::string fewshot_file;   // documents for the examples (the first num_fewshot of it)
  std::int64_t num_fewshot = 0;
  bool add_bos = false;       // lm-eval's add_bos_token
  std::int64_t max_tokens = 0;  // the model's context (0: no limit)
};

// Reads a JSONL file of multiple-choice documents (formats: choice_docs.h) and builds the
// requests. Throws FileError naming the file, the line and the field; UsageError for options.
std::vector<MultipleChoiceItem> load_multiple_choice(const std::string& path, const Tokenizer& tokenizer,
                                                     const ChoiceOptions& options = ChoiceOptions());

struct MultipleChoiceResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::int64_t items = 0;
  double acc = kNaN;              // fraction right by the summed log-likelihood
  double acc_stderr = kNaN;       // NaN below two items
  double acc_norm = kNaN;         // fraction right by the log-likelihood per character
  double acc_norm_stderr = kNaN;
  double acc_per_token = kNaN;    // fraction right by the mean log-likelihood per token (not lm-eval's)
};

// The metrics from each choice's summed log-likelihood (loglik[item][choice]) and token count.
MultipleChoiceResult score_choices(const std::vector<MultipleChoiceItem>& items,
                                   const std::vector<std::vector<double>>& loglik);

// The full model's scores.
MultipleChoiceResult multiple_choice_accuracy(const Transformer& model,
                                              const std::vector<MultipleChoiceItem>& items,
                                              const RunControl& control = RunControl());

}  // namespace depthscope
