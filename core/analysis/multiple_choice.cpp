#include "core/analysis/multiple_choice.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/analysis/formulas.h"
#include "core/analysis/multiple_choice_set.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {

namespace {

// Tokens of `choice` as a continuation of `context`.
std::vector<std::int64_t> continuation_ids(const Tokenizer& tok, const std::string& context,
                                           const std::vector<std::int64_t>& ctx_ids,
                                           const std::string& choice) {
  const std::vector<std::int64_t> whole = tok.encode(context + choice);
  if (whole.size() > ctx_ids.size() && std::equal(ctx_ids.begin(), ctx_ids.end(), whole.begin()))
    return std::vector<std::int64_t>(whole.begin() + static_cast<std::ptrdiff_t>(ctx_ids.size()), whole.end());
  return tok.encode(choice);
}

}  // namespace

std::vector<MultipleChoiceItem> load_multiple_choice_jsonl(const std::string& path,
                                                           const Tokenizer& tokenizer,
                                                           std::optional<std::int64_t> bos) {
  std::ifstream in(path);
  if (!in) throw FileError(path, "", "cannot open the multiple-choice file");
  std::vector<MultipleChoiceItem> items;
  std::string line;
  for (std::int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "line " + std::to_string(n);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw FileError(path, where, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object()) throw FileError(path, where, "expected a JSON object");
    if (!j.contains("context") || !j["context"].is_string())
      throw FileError(path, where + ": context", "missing or not a string");
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].size() < 2)
      throw FileError(path, where + ": choices", "expected an array of at least two strings");
    if (!j.contains("answer")) throw FileError(path, where + ": answer", "missing");
    const std::string context = j["context"].get<std::string>();
    std::vector<std::string> choices;
    for (const auto& c : j["choices"]) {
      if (!c.is_string()) throw FileError(path, where + ": choices", "every choice must be a string");
      choices.push_back(c.get<std::string>());
    }
    MultipleChoiceItem item;
    const auto& a = j["answer"];
    if (a.is_number_integer()) {
      item.answer = a.get<std::int64_t>();
      if (item.answer < 0 || item.answer >= static_cast<std::int64_t>(choices.size()))
        throw FileError(path, where + ": answer",
                        "index " + std::to_string(item.answer) + " is not in 0.." +
                            std::to_string(choices.size() - 1));
    } else if (a.is_string()) {
      const auto it = std::find(choices.begin(), choices.end(), a.get<std::string>());
      if (it == choices.end()) throw FileError(path, where + ": answer", "text matches none of the choices");
      item.answer = it - choices.begin();
    } else {
      throw FileError(path, where + ": answer", "expected a 0-based index or the text of a choice");
    }
    const std::vector<std::int64_t> ctx_ids = tokenizer.encode(context);
    if (bos) item.context.push_back(*bos);
    item.context.insert(item.context.end(), ctx_ids.begin(), ctx_ids.end());
    if (item.context.empty())
      throw FileError(path, where + ": context", "is empty and the tokenizer has no BOS to start it");
    for (std::size_t c = 0; c < choices.size(); ++c) {
      item.choices.push_back(continuation_ids(tokenizer, context, ctx_ids, choices[c]));
      if (item.choices.back().empty())
        throw FileError(path, where + ": choices", "choice " + std::to_string(c) + " has no tokens");
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) throw FileError(path, "", "no items (expected one JSON object per line)");
  return items;
}

namespace analysis {

std::vector<ScoredBatch> multiple_choice_set(const std::vector<MultipleChoiceItem>& items) {
  std::vector<ScoredBatch> set;
  for (const MultipleChoiceItem& item : items)
    for (const std::vector<std::int64_t>& choice : item.choices) {
      std::vector<std::int64_t> ids = item.context;
      ids.insert(ids.end(), choice.begin(), choice.end());
      const std::int64_t c = static_cast<std::int64_t>(item.context.size());
      const std::int64_t k = static_cast<std::int64_t>(choice.size());
      // logits at c-1 .. c+k-2 predict the choice's tokens at c .. c+k-1.
      set.push_back(ScoredBatch{token_row(ids, 0, c + k), c - 1, c + k - 1});
    }
  return set;
}

MultipleChoiceResult multiple_choice_score(const std::vector<MultipleChoiceItem>& items,
                                           const std::vector<std::vector<NllSums>>& rows,
                                           std::size_t first) {
  MultipleChoiceResult r;
  std::size_t b = first;
  for (const MultipleChoiceItem& item : items) {
    std::int64_t best = -1;
    double best_score = 0;
    for (std::size_t c = 0; c < item.choices.size(); ++c, ++b) {
      const NllSums& s = rows[b][0];
      const double score = formulas::length_normalised_log_likelihood(
          -s.sum, static_cast<std::int64_t>(s.count));
      if (best < 0 || score > best_score) {
        best = static_cast<std::int64_t>(c);
        best_score = score;
      }
    }
    ++r.items;
    if (best == item.answer) ++r.correct;
  }
  r.accuracy = r.items > 0 ? static_cast<double>(r.correct) / static_cast<double>(r.items) : 0.0;
  return r;
}

}  // namespace analysis

MultipleChoiceResult multiple_choice_accuracy(const Transformer& model,
                                              const std::vector<MultipleChoiceItem>& items,
                                              const RunControl& control) {
  at::NoGradGuard no_grad;
  const std::vector<analysis::ScoredBatch> set = analysis::multiple_choice_set(items);
  analysis::PassMeter meter(control, static_cast<double>(model.num_layers()), "multiple choice");
  const analysis::States out = analysis::run_layers(model, 1, analysis::embed_all(model, set), {}, meter);
  return analysis::multiple_choice_score(items, analysis::score_rows(model, out, set), 0);
}

}  // namespace depthscope
