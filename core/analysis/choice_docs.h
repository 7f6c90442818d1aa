#pragma once
// Multiple-choice documents as lm-evaluation-harness sees them after its task's
// preprocessing: a query (doc_to_text), the choices (doc_to_choice) and the gold index
// (doc_to_target). Read from JSONL in the formats people have on disk; the prompt templates
// are lm-eval's (lm_eval/tasks/{arc,hellaswag,piqa,mmlu}/...). Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace depthscope {

struct ChoiceDoc {
  std::string description;           // put before everything, few-shot examples included (MMLU's subject line)
  std::string query;                 // the context before a choice
  std::vector<std::string> choices;  // without the target delimiter " "
  std::int64_t gold = 0;             // 0-based
};

enum class ChoiceFormat {
  detect,      // from the first line's keys
  lm_eval,     // {"query", "choices", "gold"}: already preprocessed
  depthscope,  // {"context", "choices", "answer"}: answer an index or the text of a choice
  arc,         // {"question", "choices": {"text", "label"}, "answerKey"}
  hellaswag,   // {"activity_label", "ctx_a", "ctx_b", "endings", "label"}
  piqa,        // {"goal", "sol1", "sol2", "label"}
  mmlu,        // {"question", "choices", "answer", "subject"}
};

// "auto", "lm-eval", "depthscope", "arc", "hellaswag", "piqa", "mmlu"; throws UsageError.
ChoiceFormat parse_choice_format(const std::string& name);
const char* to_string(ChoiceFormat format);

// The documents of a JSONL file (blank lines skipped). `format` detect: the first object's
// keys decide, and every line must then be of that format. *used (when given) receives the
// format read. Throws FileError naming the file, the line and the field.
std::vector<ChoiceDoc> read_choice_docs(const std::string& path, ChoiceFormat format,
                                        ChoiceFormat* used = nullptr);

// HellaSwag's preprocessing (lm-eval tasks/hellaswag/utils.py): strip, " [title]" -> ". ",
// drop "[...]" tags, then "  " -> " ".
std::string hellaswag_preprocess(const std::string& text);

// The context lm-eval builds for `doc` with few-shot `shots`: description, then each shot as
// query + " " + its gold choice, joined and followed by "\n\n", then the query.
std::string fewshot_context(const ChoiceDoc& doc, const std::vector<ChoiceDoc>& shots);

}  // namespace depthscope
