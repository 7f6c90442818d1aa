#pragma once
// A Hugging Face `tokenizers` pipeline with a BPE model: added tokens are cut out of the text
// first (matched whole, never split), the rest is normalized, pre-tokenized and encoded by
// BPE; decoding maps ids to token strings and runs the decoders.
// Built from tokenizer.json (tokenizer_json.h) or from GPT-2's encoder.json + vocab.bpe.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/tokenize/bpe_model.h"
#include "core/tokenize/decoder.h"
#include "core/tokenize/normalizer.h"
#include "core/tokenize/pre_tokenizer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {

struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool special = false;
};

struct HfTokenizerParts {
  std::string description;
  std::unique_ptr<BpeModel> model;
  std::vector<std::string> token_of_id;  // every id below vocab_size; "" where unused
  std::vector<AddedToken> added_tokens;
  std::unique_ptr<Normalizer> normalizer;        // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer;   // may be null: the whole text is one word
  std::unique_ptr<Decoder> decoder;              // may be null: tokens joined with " "
  std::optional<std::int64_t> bos_id, eos_id;
};

class HfTokenizer : public Tokenizer {
 public:
  explicit HfTokenizer(HfTokenizerParts parts);

  std::vector<std::int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<std::int64_t>& ids) const override;
  std::int64_t vocab_size() const override {
    return static_cast<std::int64_t>(parts_.token_of_id.size());
  }
  std::string piece(std::int64_t id) const override {
    if (id < 0 || id >= vocab_size()) return Tokenizer::piece(id);
    return parts_.token_of_id[static_cast<std::size_t>(id)];
  }
  std::string description() const override { return parts_.description; }
  std::optional<std::int64_t> bos_id() const override { return parts_.bos_id; }
  std::optional<std::int64_t> eos_id() const override { return parts_.eos_id; }

 private:
  void encode_plain(const std::string& text, std::vector<std::int64_t>& out) const;
  // The longest added token starting at text[at], or null.
  const AddedToken* added_token_at(const std::string& text, std::size_t at) const;

  HfTokenizerParts parts_;
  // Added tokens by first byte, longest first: most bytes start none, so the scan is cheap.
  std::array<std::vector<const AddedToken*>, 256> added_by_first_byte_;
};

}  // namespace depthscope
