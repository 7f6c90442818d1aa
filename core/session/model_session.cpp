// Torch side of ui/: builds models through core. Includes no Qt (Qt's `slots` macro breaks
// ATen headers), and does no tensor math itself.
#include "core/session/model_session.h"

#include <filesystem>

#include "core/io/checkpoint.h"
#include "core/io/summarize.h"
#include "core/error.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/torch_device.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {
namespace {

// Used only when the default corpus is not installed.
constexpr const char* kFallbackText =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. "
    "One day, she saw a big red ball in the park. She ran to the ball and picked it up. "
    "Her mother smiled and said they could take it home. Lily was very happy. "
    "The next day the sky was grey and it began to rain, so Lily stayed inside and read a book "
    "about a dragon who could not fly. The dragon practised every day until one morning he rose "
    "above the trees and saw the whole village below. ";

}  // namespace

ModelSession::ModelSession() = default;
ModelSession::~ModelSession() = default;

std::shared_ptr<const ModelSession> ModelSession::open(const std::string& path, const RunControl& control,
                                                      const ComputeDevice& device) {
  const std::string unusable = device_unavailable_reason(device);
  if (!unusable.empty()) throw UsageError("device " + device.name() + ": " + unusable);
  LoadedCheckpoint checkpoint = load_checkpoint(path, control);
  std::shared_ptr<ModelSession> s(new ModelSession);
  s->summary_ = summarize(checkpoint);
  s->model_ = std::make_unique<Transformer>(std::move(checkpoint.config), std::move(checkpoint.weights));
  if (device.is_cuda()) s->model_ = std::make_unique<Transformer>(model_on(*s->model_, torch_device(device)));
  s->tokenizer_ = find_tokenizer_for(path);
  if (!s->tokenizer_) s->tokenizer_ = make_byte_tokenizer();
  return s;
}

std::shared_ptr<const ModelSession> ModelSession::random(const ModelConfig& config, std::uint64_t seed) {
  config.validate();
  std::shared_ptr<ModelSession> s(new ModelSession);
  Transformer model = Transformer::random(config, seed);
  LoadedCheckpoint as_loaded{config, model.weights(), "(random init, seed " + std::to_string(seed) + ")",
                             "random", "F32"};
  s->summary_ = summarize(as_loaded);
  s->summary_.tokenizer = "bytes (random model)";
  s->model_ = std::make_unique<Transformer>(std::move(model));
  s->tokenizer_ = make_byte_tokenizer();
  return s;
}

const Transformer& ModelSession::model() const { return *model_; }
const ModelConfig& ModelSession::config() const { return model_->config(); }
std::string ModelSession::tokenizer_description() const { return tokenizer_->description(); }

std::vector<MultipleChoiceItem> ModelSession::multiple_choice_set(const std::string& path, ChoiceOptions options) const {
  if (options.max_tokens == 0) options.max_tokens = config().max_position;
  return load_multiple_choice(path, *tokenizer_, options);
}

EvalSet ModelSession::evaluation_set(const std::string& text_path, const EvalSetOptions& options) const {
  if (text_path.empty() && !std::filesystem::exists(kDefaultCorpus)) {
    std::string text;
    const std::int64_t wanted = options.max_tokens > 0 ? options.max_tokens : 4096;
    while (static_cast<std::int64_t>(text.size()) < wanted * 4) text += kFallbackText;
    return eval_set_from_text(text, *tokenizer_, config(), options,
                              "built-in sample text (install fortunes-min for a real corpus)");
  }
  return eval_set_from_file(text_path, *tokenizer_, config(), options);
}

}  // namespace depthscope
