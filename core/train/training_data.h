#pragma once
// What a run trains on, behind one interface: a token corpus (plain text, every next token
// counts) or an instruction set (JSONL prompt/response, only response tokens count). Batches
// are stateless functions of (seed, step, micro), so resume needs no data position.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace depthscope {

struct TrainSpec;

struct TrainingBatch {
  at::Tensor tokens;  // int64 [B, T+1]: inputs [:, :-1], targets [:, 1:]
  at::Tensor mask;    // float [B, T]: 1 where the target counts; undefined: every target counts
};

class TrainingData {
 public:
  virtual ~TrainingData() = default;
  virtual std::int64_t vocab_size() const = 0;
  virtual TrainingBatch train_batch(std::uint64_t seed, std::int64_t step, std::int64_t micro,
                                    std::int64_t batch, std::int64_t seq) const = 0;
  // A fixed, deterministic list covering about max_tokens validation targets.
  virtual std::vector<TrainingBatch> validation_batches(std::int64_t seq, std::int64_t max_tokens,
                                                        std::int64_t batch) const = 0;
  // The tokenizer file to copy beside checkpoints ("" for bytes), and where the data lives.
  virtual std::string tokenizer_path() const = 0;
  virtual std::string source() const = 0;
};

// The spec's data: corpus.dir (a corpus folder) for text, or corpus.text JSONL files for
// "data_format": "jsonl". Throws FileError/UsageError naming the file for bad data, and when
// one window (seq + 1 tokens) does not fit.
std::unique_ptr<TrainingData> open_training_data(const TrainSpec& spec);

}  // namespace depthscope
