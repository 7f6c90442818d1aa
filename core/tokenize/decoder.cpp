#include "core/tokenize/decoder.h"

#include <optional>

#include "core/tokenize/byte_level.h"
#include "core/tokenize/normalizer.h"

namespace depthscope {

int byte_fallback_value(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
  int value = 0;
  for (int k = 3; k < 5; ++k) {
    const char c = token[k];
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

namespace {

std::string join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

class ByteLevel : public Decoder {
 public:
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    std::string out;
    for (const std::string& t : tokens) {
      // A token that is not byte-level text (an added token like "<|im_start|>" is) stays as is.
      std::optional<std::string> bytes = byte_level::decode(t);
      out += bytes ? *bytes : t;
    }
    return {out};
  }
};

class Replace : public Decoder {
 public:
  Replace(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    for (std::string& t : tokens) t = replace_all(std::move(t), pattern_, content_);
    return tokens;
  }

 private:
  std::string pattern_, content_;
};

class ByteFallback : public Decoder {
 public:
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    bool in_bytes = false;
    for (const std::string& t : tokens) {
      const int b = byte_fallback_value(t);
      if (b >= 0) {
        bytes += static_cast<char>(b);
        in_bytes = true;
        continue;
      }
      if (in_bytes) out.push_back(std::move(bytes));
      bytes.clear();
      in_bytes = false;
      out.push_back(t);
    }
    if (in_bytes) out.push_back(std::move(bytes));
    return out;
  }
};

class Fuse : public Decoder {
 public:
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    return {join(tokens)};
  }
};

class Strip : public Decoder {
 public:
  Strip(std::string content, int start, int stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    if (content_.empty()) return tokens;
    const std::size_t n = content_.size();
    for (std::string& t : tokens) {
      for (int k = 0; k < start_ && t.compare(0, n, content_) == 0; ++k) t.erase(0, n);
      for (int k = 0; k < stop_ && t.size() >= n && t.compare(t.size() - n, n, content_) == 0; ++k)
        t.erase(t.size() - n);
    }
    return tokens;
  }

 private:
  std::string content_;
  int start_, stop_;
};

class Metaspace : public Decoder {
 public:
  Metaspace(std::string replacement, PrependScheme prepend)
      : replacement_(std::move(replacement)), prepend_(prepend) {}
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    for (std::size_t k = 0; k < tokens.size(); ++k) {
      tokens[k] = replace_all(std::move(tokens[k]), replacement_, " ");
      if (k == 0 && prepend_ != PrependScheme::never && !tokens[k].empty() && tokens[k][0] == ' ')
        tokens[k].erase(0, 1);
    }
    return tokens;
  }

 private:
  std::string replacement_;
  PrependScheme prepend_;
};

class Sequence : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> apply(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->apply(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder() { return std::make_unique<ByteLevel>(); }
std::unique_ptr<Decoder> make_replace_decoder(std::string pattern, std::string content) {
  return std::make_unique<Replace>(std::move(pattern), std::move(content));
}
std::unique_ptr<Decoder> make_byte_fallback_decoder() { return std::make_unique<ByteFallback>(); }
std::unique_ptr<Decoder> make_fuse_decoder() { return std::make_unique<Fuse>(); }
std::unique_ptr<Decoder> make_strip_decoder(std::string content, int start, int stop) {
  return std::make_unique<Strip>(std::move(content), start, stop);
}
std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, PrependScheme prepend) {
  return std::make_unique<Metaspace>(std::move(replacement), prepend);
}
std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> steps) {
  return std::make_unique<Sequence>(std::move(steps));
}

}  // namespace depthscope
