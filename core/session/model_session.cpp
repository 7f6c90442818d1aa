// Torch side of ui/: builds models through core. Includes no Qt (Qt's `slots` macro breaks
// ATen headers), and does no tensor math itself.
#include "core/session/model_session.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/io/checkpoint.h"
#include "core/io/summarize.h"
#include "core/model/transformer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {
namespace {

constexpr const char* kDefaultCorpus = "/usr/share/games/fortunes/fortunes";

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

std::shared_ptr<const ModelSession> ModelSession::open(const std::string& path, const RunControl& control) {
  LoadedCheckpoint checkpoint = load_checkpoint(path, control);
  std::shared_ptr<ModelSession> s(new ModelSession);
  s->summary_ = summarize(checkpoint);
  s->model_ = std::make_unique<Transformer>(std::move(checkpoint.config), std::move(checkpoint.weights));
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

std::vector<std::int64_t> ModelSession::tokenize(const std::string& text, std::int64_t max_tokens) const {
  std::vector<std::int64_t> ids;
  if (auto bos = tokenizer_->bos_id()) ids.push_back(*bos);
  const std::vector<std::int64_t> body = tokenizer_->encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  if (max_tokens > 0 && static_cast<std::int64_t>(ids.size()) > max_tokens) ids.resize(max_tokens);
  // Ids the model cannot embed (a byte tokenizer on a small vocabulary) wrap into range.
  const std::int64_t vocab = model_->config().vocab_size;
  for (auto& id : ids) id = ((id % vocab) + vocab) % vocab;
  return ids;
}

std::vector<std::int64_t> ModelSession::evaluation_tokens(std::int64_t max_tokens, std::string* source) const {
  std::string text;
  std::ifstream in(kDefaultCorpus, std::ios::binary);
  if (in) {
    std::stringstream ss;
    // Enough text for max_tokens even with a byte tokenizer.
    std::string chunk(static_cast<std::size_t>(std::max<std::int64_t>(max_tokens, 1024) * 8), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    text = chunk;
    if (source) *source = kDefaultCorpus;
  }
  if (text.empty()) {
    while (static_cast<std::int64_t>(text.size()) < max_tokens * 4) text += kFallbackText;
    if (source) *source = "built-in sample text (install fortunes-min for a real corpus)";
  }
  return tokenize(text, max_tokens);
}

}  // namespace depthscope
