#include "core/tokenize/pre_tokenizer.h"

#include "core/tokenize/byte_level.h"
#include "core/tokenize/normalizer.h"
#include "core/tokenize/regex.h"

namespace depthscope {
namespace {

class Split : public PreTokenizer {
 public:
  Split(std::shared_ptr<const Regex> regex, SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}

  std::vector<std::string> apply(std::vector<std::string> pieces) const override {
    std::vector<std::string> out;
    for (const std::string& piece : pieces) split_one(piece, out);
    return out;
  }

 private:
  struct Segment {
    std::size_t begin, end;
    bool delimiter;
  };

  void split_one(const std::string& text, std::vector<std::string>& out) const {
    std::vector<Segment> segments;
    std::size_t last = 0;
    regex_->for_each_match(text, [&](std::size_t begin, std::size_t end) {
      if (begin > last) segments.push_back({last, begin, invert_});
      segments.push_back({begin, end, !invert_});
      last = end;
    });
    if (last < text.size()) segments.push_back({last, text.size(), invert_});

    const auto piece_of = [&](const Segment& s) { return text.substr(s.begin, s.end - s.begin); };
    bool glue_to_next = false;  // merged_with_next: the previous delimiter waits for a piece
    std::string pending;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const Segment& s = segments[k];
      switch (behavior_) {
        case SplitBehavior::removed:
          if (!s.delimiter) out.push_back(piece_of(s));
          break;
        case SplitBehavior::isolated:
          out.push_back(piece_of(s));
          break;
        case SplitBehavior::merged_with_previous:
          if (s.delimiter && k > 0) out.back() += piece_of(s);
          else out.push_back(piece_of(s));
          break;
        case SplitBehavior::merged_with_next:
          if (s.delimiter) {
            if (glue_to_next) out.push_back(pending);
            pending = piece_of(s);
            glue_to_next = true;
          } else {
            out.push_back(glue_to_next ? pending + piece_of(s) : piece_of(s));
            glue_to_next = false;
          }
          break;
        case SplitBehavior::contiguous:
          if (s.delimiter && k > 0 && segments[k - 1].delimiter) out.back() += piece_of(s);
          else out.push_back(piece_of(s));
          break;
      }
    }
    if (glue_to_next) out.push_back(pending);
  }

  std::shared_ptr<const Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        gpt2_split_(use_regex ? make_split_pre_tokenizer(std::make_shared<Regex>(patterns::gpt2),
                                                         SplitBehavior::isolated, false)
                              : nullptr) {}

  std::vector<std::string> apply(std::vector<std::string> pieces) const override {
    if (add_prefix_space_)  // every piece, as tokenizers does
      for (std::string& p : pieces)
        if (p.empty() || p[0] != ' ') p.insert(0, " ");
    if (gpt2_split_) pieces = gpt2_split_->apply(std::move(pieces));
    for (std::string& p : pieces) p = byte_level::encode(p);
    return pieces;
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<PreTokenizer> gpt2_split_;
};

class Metaspace : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme prepend, bool split)
      : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}

  std::vector<std::string> apply(std::vector<std::string> pieces) const override {
    std::vector<std::string> out;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      std::string p = replace_all(pieces[k], " ", replacement_);
      const bool prepend = prepend_ == PrependScheme::always ||
                           (prepend_ == PrependScheme::first && k == 0);
      if (prepend && p.compare(0, replacement_.size(), replacement_) != 0) p = replacement_ + p;
      if (!split_ || replacement_.empty()) {
        out.push_back(std::move(p));
        continue;
      }
      // Each replacement character starts a new piece (merged with the text after it).
      std::size_t begin = 0;
      for (std::size_t at = p.find(replacement_, 1); at != std::string::npos;
           at = p.find(replacement_, at + replacement_.size())) {
        out.push_back(p.substr(begin, at - begin));
        begin = at;
      }
      if (begin < p.size()) out.push_back(p.substr(begin));
    }
    return out;
  }

 private:
  std::string replacement_;
  PrependScheme prepend_;
  bool split_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> apply(std::vector<std::string> pieces) const override {
    for (const auto& step : steps_) pieces = step->apply(std::move(pieces));
    return pieces;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(std::shared_ptr<const Regex> regex,
                                                       SplitBehavior behavior, bool invert) {
  return std::make_unique<Split>(std::move(regex), behavior, invert);
}
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevel>(add_prefix_space, use_regex);
}
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(std::string replacement,
                                                           PrependScheme prepend, bool split) {
  return std::make_unique<Metaspace>(std::move(replacement), prepend, split);
}
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(
    std::vector<std::unique_ptr<PreTokenizer>> steps) {
  return std::make_unique<Sequence>(std::move(steps));
}

}  // namespace depthscope
