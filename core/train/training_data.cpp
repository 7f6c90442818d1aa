#include "core/train/training_data.h"

#include "core/error.h"
#include "core/train/instruction_set.h"
#include "core/train/token_corpus.h"
#include "core/train/train_spec.h"

namespace depthscope {

namespace {

// A token corpus (corpus build): every next token counts.
class CorpusData : public TrainingData {
 public:
  explicit CorpusData(const std::string& dir) : corpus_(dir) {}
  std::int64_t vocab_size() const override { return corpus_.vocab_size(); }
  TrainingBatch train_batch(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t batch,
                            std::int64_t seq) const override {
    return {corpus_.train_batch(seed, step, micro, batch, seq), at::Tensor()};
  }
  std::vector<TrainingBatch> validation_batches(std::int64_t seq, std::int64_t max_tokens,
                                                std::int64_t batch) const override {
    std::vector<TrainingBatch> out;
    for (const at::Tensor& w : corpus_.validation_batches(seq, max_tokens, batch)) out.push_back({w, at::Tensor()});
    return out;
  }
  std::string tokenizer_path() const override { return corpus_.tokenizer_path(); }
  std::string source() const override { return corpus_.dir(); }

 private:
  TokenCorpus corpus_;
};

}  // namespace

std::unique_ptr<TrainingData> open_training_data(const TrainSpec& spec) {
  if (spec.data_format != "jsonl") return std::make_unique<CorpusData>(spec.corpus_dir);
  // The tokenizer: the spec's file, else the fine-tuning checkpoint's, else bytes.
  std::unique_ptr<Tokenizer> tok;
  std::string tok_path = spec.jsonl_tokenizer;
  if (!tok_path.empty() && tok_path != "bytes") tok = load_tokenizer(tok_path);
  if (!tok && tok_path.empty() && !spec.init.empty()) tok = find_tokenizer_for(spec.init);
  if (!tok) {
    tok = make_byte_tokenizer();
    tok_path.clear();
  }
  return std::make_unique<InstructionSet>(spec.corpus_text.text_files, std::move(tok), tok_path,
                                          spec.corpus_text.validation_fraction, spec.corpus_text.split_seed);
}

}  // namespace depthscope
