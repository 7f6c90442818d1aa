#pragma once
// ModelSession: an opened checkpoint (model + tokenizer + summary) ready for the analyses.
// Torch-free and Qt-free header: the model is only forward-declared, so Qt code can hold a
// session and pass session.model() to the torch-free analysis calls (core/analysis/*.h).
// The GUI holds sessions through this header; model_session.cpp does the torch work.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/analysis/eval_set.h"
#include "core/analysis/multiple_choice.h"
#include "core/io/model_summary.h"
#include "core/model/config.h"
#include "core/runtime/device_choice.h"
#include "core/runtime/progress.h"

namespace depthscope {
class Transformer;
class Tokenizer;
}  // namespace depthscope

namespace depthscope {

class ModelSession {
 public:
  // Loads a checkpoint (HF folder, .safetensors, llama2.c .bin) and its tokenizer (bytes
  // when none is found). Reports progress per tensor; throws FileError naming the file and
  // the problem, or Cancelled. The model is put on `device` (checked with require_device,
  // core/runtime/device_choice.h); the summary describes the file as loaded.
  static std::shared_ptr<const ModelSession> open(const std::string& path, const RunControl& control,
                                                  const ComputeDevice& device = {});
  // A freshly initialised model (paper init) with the byte tokenizer; for demos and tests.
  static std::shared_ptr<const ModelSession> random(const ModelConfig& config, std::uint64_t seed);

  ~ModelSession();
  const Transformer& model() const;
  const ModelConfig& config() const;
  const ModelSummary& summary() const { return summary_; }
  std::string tokenizer_description() const;
  // The evaluation set of the perplexity analyses, built exactly as the CLI builds it
  // (core/analysis/eval_set.h, with this session's tokenizer): from `text_path`, or the
  // default corpus when it is empty; when the default corpus is not installed, from a
  // built-in paragraph (said in EvalSet::source). Throws FileError with a sentence to act on.
  EvalSet evaluation_set(const std::string& text_path, const EvalSetOptions& options) const;
  // A multiple-choice set read with this session's tokenizer, as `multiple-choice --choices`
  // reads it (core/analysis/multiple_choice.h; max_tokens 0: the model's context). Throws
  // FileError naming the file, the line and the field.
  std::vector<MultipleChoiceItem> multiple_choice_set(const std::string& path, ChoiceOptions options = {}) const;

 private:
  ModelSession();
  std::unique_ptr<Transformer> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  ModelSummary summary_;
};

}  // namespace depthscope
