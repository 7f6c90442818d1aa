#include "core/tokenize/normalizer.h"

namespace depthscope {

std::string replace_all(std::string text, const std::string& pattern, const std::string& content) {
  if (pattern.empty()) return text;
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (std::size_t at; (at = text.find(pattern, from)) != std::string::npos;
       from = at + pattern.size()) {
    out.append(text, from, at - from);
    out += content;
  }
  out.append(text, from, std::string::npos);
  return out;
}

namespace {

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string apply(std::string text) const override {
    return text.empty() ? text : prefix_ + text;
  }

 private:
  std::string prefix_;
};

class Replace : public Normalizer {
 public:
  Replace(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::string apply(std::string text) const override {
    return replace_all(std::move(text), pattern_, content_);
  }

 private:
  std::string pattern_, content_;
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string apply(std::string text) const override {
    for (const auto& step : steps_) text = step->apply(std::move(text));
    return text;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

class Passthrough : public Normalizer {
 public:
  std::string apply(std::string text) const override { return text; }
};

}  // namespace

std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix) {
  return std::make_unique<Prepend>(std::move(prefix));
}
std::unique_ptr<Normalizer> make_replace_normalizer(std::string pattern, std::string content) {
  return std::make_unique<Replace>(std::move(pattern), std::move(content));
}
std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> steps) {
  return std::make_unique<Sequence>(std::move(steps));
}
std::unique_ptr<Normalizer> make_nfc_passthrough_normalizer() {
  return std::make_unique<Passthrough>();
}

}  // namespace depthscope
