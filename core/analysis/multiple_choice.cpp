#include "core/analysis/multiple_choice.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

#include "core/analysis/formulas.h"
#include "core/analysis/multiple_choice_set.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {

namespace {

// Python's len(str): the code points of UTF-8 text.
std::int64_t characters(const std::string& s) {
  std::int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// lm-eval's mean_stderr of 0/1 outcomes: sample standard deviation / sqrt(n).
double mean_stderr(std::int64_t right, std::int64_t n) {
  if (n < 2) return MultipleChoiceResult::kNaN;
  const double p = static_cast<double>(right) / static_cast<double>(n);
  const double variance = p * (1 - p) * static_cast<double>(n) / static_cast<double>(n - 1);  // (n - 1) denominator
  return std::sqrt(variance / static_cast<double>(n));
}

std::int64_t argmax(const std::vector<double>& v) {
  std::int64_t best = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[static_cast<std::size_t>(best)]) best = static_cast<std::int64_t>(i);  // first of equals, as numpy
  return best;
}

}  // namespace

MultipleChoiceItem choice_request(const std::string& context, const ChoiceDoc& doc, const EncodeText& encode,
                                  std::optional<std::int64_t> bos, bool add_bos) {
  MultipleChoiceItem item;
  item.answer = doc.gold;
  for (const std::string& choice : doc.choices) {
    std::string ctx = context;
    std::string continuation = " " + choice;  // the target delimiter
    // Trailing spaces of the context move onto the continuation (lm-eval's _encode_pair).
    const std::size_t kept = ctx.find_last_not_of(' ');
    const std::size_t n_spaces = kept == std::string::npos ? ctx.size() : ctx.size() - kept - 1;
    if (n_spaces > 0) {
      continuation = ctx.substr(ctx.size() - n_spaces) + continuation;
      ctx.resize(ctx.size() - n_spaces);
    }
    std::vector<std::int64_t> ctx_ids, cont_ids;
    if (ctx.empty()) {
      if (!bos) throw UsageError("an item has an empty context and the tokenizer has no BOS token to start it");
      ctx_ids = {*bos};
      cont_ids = encode(continuation);
    } else {
      ctx_ids = encode(ctx);
      const std::vector<std::int64_t> whole = encode(ctx + continuation);
      const std::size_t n = std::min(ctx_ids.size(), whole.size());
      cont_ids.assign(whole.begin() + static_cast<std::ptrdiff_t>(n), whole.end());
      if (add_bos && bos) ctx_ids.insert(ctx_ids.begin(), *bos);
    }
    if (cont_ids.empty()) throw UsageError("choice \"" + choice + "\" has no tokens after its context");
    if (item.context.empty()) item.context = ctx_ids;
    // The context is shared by the choices unless a choice moved its trailing spaces
    // differently (never: the same context for each) -- kept per item.
    item.choices.push_back(std::move(cont_ids));
    item.choice_chars.push_back(characters(choice));
  }
  return item;
}

std::vector<MultipleChoiceItem> load_multiple_choice(const std::string& path, const Tokenizer& tokenizer,
                                                     const ChoiceOptions& options) {
  if (options.num_fewshot < 0) throw UsageError("--num-fewshot must be 0 or more");
  if (options.num_fewshot > 0 && options.fewshot_file.empty())
    throw UsageError("--num-fewshot " + std::to_string(options.num_fewshot) + " needs --fewshot-file");
  const std::vector<ChoiceDoc> docs = read_choice_docs(path, options.format);
  std::vector<ChoiceDoc> shots;
  if (options.num_fewshot > 0) {
    shots = read_choice_docs(options.fewshot_file, options.format);
    if (static_cast<std::int64_t>(shots.size()) < options.num_fewshot)
      throw FileError(options.fewshot_file, "", "has " + std::to_string(shots.size()) + " documents, fewer than --num-fewshot " +
                                                    std::to_string(options.num_fewshot));
    shots.resize(static_cast<std::size_t>(options.num_fewshot));
  }
  const EncodeText encode = [&](const std::string& s) { return tokenizer.encode(s); };
  std::vector<MultipleChoiceItem> items;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    try {
      items.push_back(choice_request(fewshot_context(docs[i], shots), docs[i], encode, tokenizer.bos_id(), options.add_bos));
    } catch (const UsageError& e) {
      throw FileError(path, "item " + std::to_string(i + 1), e.what());
    }
    items.back().max_tokens = options.max_tokens;
  }
  return items;
}

MultipleChoiceResult score_choices(const std::vector<MultipleChoiceItem>& items,
                                   const std::vector<std::vector<double>>& loglik) {
  MultipleChoiceResult r;
  std::int64_t acc = 0, acc_norm = 0, per_token = 0;
  bool lengths = true;  // items made by hand may not know their choices' characters: no acc_norm then
  for (std::size_t i = 0; i < items.size(); ++i) {
    const MultipleChoiceItem& item = items[i];
    std::vector<double> by_char, by_token;
    lengths = lengths && item.choice_chars.size() == item.choices.size();
    for (std::size_t c = 0; c < item.choices.size(); ++c) {
      if (lengths) by_char.push_back(loglik[i][c] / static_cast<double>(std::max<std::int64_t>(item.choice_chars[c], 1)));
      by_token.push_back(formulas::length_normalised_log_likelihood(
          loglik[i][c], static_cast<std::int64_t>(item.choices[c].size())));
    }
    acc += argmax(loglik[i]) == item.answer;
    if (lengths) acc_norm += argmax(by_char) == item.answer;
    per_token += argmax(by_token) == item.answer;
  }
  r.items = static_cast<std::int64_t>(items.size());
  if (r.items == 0) return r;
  const double n = static_cast<double>(r.items);
  r.acc = static_cast<double>(acc) / n;
  r.acc_norm = lengths ? static_cast<double>(acc_norm) / n : MultipleChoiceResult::kNaN;
  r.acc_per_token = static_cast<double>(per_token) / n;
  r.acc_stderr = mean_stderr(acc, r.items);
  r.acc_norm_stderr = lengths ? mean_stderr(acc_norm, r.items) : MultipleChoiceResult::kNaN;
  return r;
}

namespace analysis {

std::vector<ScoredBatch> multiple_choice_set(const std::vector<MultipleChoiceItem>& items) {
  std::vector<ScoredBatch> set;
  for (const MultipleChoiceItem& item : items)
    for (const std::vector<std::int64_t>& choice : item.choices) {
      std::vector<std::int64_t> ids = item.context;
      ids.insert(ids.end(), choice.begin(), choice.end());
      const std::int64_t k = static_cast<std::int64_t>(choice.size());
      // Longer than the model's context: keep the last tokens (the continuation must fit).
      if (item.max_tokens > 0 && static_cast<std::int64_t>(ids.size()) > item.max_tokens) {
        if (k >= item.max_tokens)
          throw UsageError("a choice of " + std::to_string(k) + " tokens does not fit the model's context of " +
                           std::to_string(item.max_tokens));
        ids.erase(ids.begin(), ids.end() - item.max_tokens);
      }
      const std::int64_t c = static_cast<std::int64_t>(ids.size()) - k;
      // logits at c-1 .. c+k-2 predict the choice's tokens at c .. c+k-1.
      set.push_back(ScoredBatch{token_row(ids, 0, c + k), c - 1, c + k - 1});
    }
  return set;
}

MultipleChoiceResult multiple_choice_score(const std::vector<MultipleChoiceItem>& items,
                                           const std::vector<std::vector<NllSums>>& rows,
                                           std::size_t first) {
  std::vector<std::vector<double>> loglik;
  std::size_t b = first;
  for (const MultipleChoiceItem& item : items) {
    loglik.emplace_back();
    for (std::size_t c = 0; c < item.choices.size(); ++c, ++b) loglik.back().push_back(-rows[b][0].sum);
  }
  return score_choices(items, loglik);
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
