#pragma once
// Fine-tuning data: JSONL lines {"prompt": "...", "response": "..."}. Each example is
// BOS (when the tokenizer has one) + prompt + response + EOS (when it has one); the loss
// counts the response tokens (and EOS) only. Examples are split into training and validation
// by a hash of their text (as corpus documents are), and sampled statelessly by (seed, step,
// micro, row). An example longer than seq + 1 tokens is cut at the end; shorter ones are
// padded (id 0, mask 0).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/tokenize/tokenizer.h"
#include "core/train/training_data.h"

namespace depthscope {

struct InstructionExample {
  std::vector<std::int64_t> ids;  // the whole example
  std::int64_t response_begin = 0;  // ids[response_begin..] are the response (and EOS)
};

class InstructionSet : public TrainingData {
 public:
  // Throws FileError(file, "line N", ...) for a line that is not a JSON object with string
  // "prompt" and "response", and for files with no example.
  InstructionSet(const std::vector<std::string>& files, std::unique_ptr<Tokenizer> tokenizer,
                 std::string tokenizer_path, double validation_fraction, std::uint64_t split_seed);

  std::int64_t vocab_size() const override { return tokenizer_->vocab_size(); }
  TrainingBatch train_batch(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t batch,
                            std::int64_t seq) const override;
  std::vector<TrainingBatch> validation_batches(std::int64_t seq, std::int64_t max_tokens,
                                                std::int64_t batch) const override;
  std::string tokenizer_path() const override { return tokenizer_path_; }
  std::string source() const override { return source_; }

  const std::vector<InstructionExample>& train() const { return train_; }
  const std::vector<InstructionExample>& validation() const { return validation_; }

 private:
  TrainingBatch rows(const std::vector<const InstructionExample*>& examples, std::int64_t seq) const;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string tokenizer_path_, source_;
  std::vector<InstructionExample> train_, validation_;
};

}  // namespace depthscope
