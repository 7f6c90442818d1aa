#include "core/train/instruction_set.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "core/train/corpus_sampling.h"

namespace depthscope {

InstructionSet::InstructionSet(const std::vector<std::string>& files, std::unique_ptr<Tokenizer> tokenizer,
                               std::string tokenizer_path, double validation_fraction, std::uint64_t split_seed)
    : tokenizer_(std::move(tokenizer)), tokenizer_path_(std::move(tokenizer_path)) {
  const auto bos = tokenizer_->bos_id();
  const auto eos = tokenizer_->eos_id();
  std::vector<std::pair<std::string, InstructionExample>> all;  // (text for the split hash, example)
  for (const std::string& file : files) {
    source_ += (source_.empty() ? "" : ", ") + file;
    std::ifstream in(file);
    if (!in) throw FileError(file, "", "cannot read the JSONL file");
    std::string line;
    std::int64_t n = 0, found = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = "line " + std::to_string(n);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw FileError(file, where, std::string("is not JSON: ") + e.what());
      }
      if (!j.is_object() || !j.contains("prompt") || !j.contains("response") || !j["prompt"].is_string() ||
          !j["response"].is_string())
        throw FileError(file, where, "needs string fields \"prompt\" and \"response\"");
      const std::string prompt = j["prompt"], response = j["response"];
      InstructionExample ex;
      if (bos) ex.ids.push_back(*bos);
      const auto p = tokenizer_->encode(prompt);
      ex.ids.insert(ex.ids.end(), p.begin(), p.end());
      ex.response_begin = static_cast<std::int64_t>(ex.ids.size());
      const auto r = tokenizer_->encode(response);
      ex.ids.insert(ex.ids.end(), r.begin(), r.end());
      if (eos) ex.ids.push_back(*eos);
      if (ex.response_begin == 0 || ex.response_begin >= static_cast<std::int64_t>(ex.ids.size()))
        throw FileError(file, where, "needs a non-empty prompt and response");
      for (std::int64_t id : ex.ids)
        if (id < 0 || id >= tokenizer_->vocab_size())
          throw FileError(file, where, "tokenized to an id outside the tokenizer's vocabulary");
      all.emplace_back(prompt + '\x1f' + response, std::move(ex));
      ++found;
    }
    if (found == 0) throw FileError(file, "", "holds no {\"prompt\", \"response\"} example");
  }
  for (auto& [text, ex] : all)
    (document_split_score(text, split_seed) < validation_fraction ? validation_ : train_).push_back(std::move(ex));
  // Each side gets at least one example when there are two or more.
  if (validation_.empty() && train_.size() >= 2) {
    validation_.push_back(std::move(train_.back()));
    train_.pop_back();
  }
  if (train_.empty() && validation_.size() >= 2) {
    train_.push_back(std::move(validation_.back()));
    validation_.pop_back();
  }
  if (train_.empty()) throw FileError(source_, "", "has no training example (one is needed)");
}

TrainingBatch InstructionSet::rows(const std::vector<const InstructionExample*>& examples, std::int64_t seq) const {
  const std::int64_t B = static_cast<std::int64_t>(examples.size());
  at::Tensor tokens = at::zeros({B, seq + 1}, at::kLong);  // [B, T+1], padded with id 0
  at::Tensor mask = at::zeros({B, seq}, at::kFloat);       // [B, T]
  auto* t = tokens.data_ptr<std::int64_t>();
  auto* m = mask.data_ptr<float>();
  for (std::int64_t b = 0; b < B; ++b) {
    const InstructionExample& ex = *examples[static_cast<std::size_t>(b)];
    const std::int64_t n = std::min<std::int64_t>(static_cast<std::int64_t>(ex.ids.size()), seq + 1);
    std::copy(ex.ids.begin(), ex.ids.begin() + n, t + b * (seq + 1));
    // Target position p predicts token p + 1: it counts when that token is in the response.
    for (std::int64_t p = std::max<std::int64_t>(0, ex.response_begin - 1); p < n - 1; ++p) m[b * seq + p] = 1.0f;
  }
  return {tokens, mask};
}

TrainingBatch InstructionSet::train_batch(std::uint64_t seed, std::int64_t step, std::int64_t micro,
                                          std::int64_t batch, std::int64_t seq) const {
  std::vector<const InstructionExample*> picked;
  for (std::int64_t b = 0; b < batch; ++b)
    picked.push_back(&train_[static_cast<std::size_t>(
        window_start(seed, step, micro, b, static_cast<std::int64_t>(train_.size())))]);
  return rows(picked, seq);
}

std::vector<TrainingBatch> InstructionSet::validation_batches(std::int64_t seq, std::int64_t max_tokens,
                                                              std::int64_t batch) const {
  std::vector<TrainingBatch> out;
  std::vector<const InstructionExample*> group;
  std::int64_t targets = 0;
  for (const InstructionExample& ex : validation_) {
    if (targets >= max_tokens && !out.empty()) break;
    group.push_back(&ex);
    targets += std::min<std::int64_t>(static_cast<std::int64_t>(ex.ids.size()), seq + 1) - ex.response_begin;
    if (static_cast<std::int64_t>(group.size()) == batch) {
      out.push_back(rows(group, seq));
      group.clear();
    }
  }
  if (!group.empty()) out.push_back(rows(group, seq));
  return out;
}

}  // namespace depthscope
