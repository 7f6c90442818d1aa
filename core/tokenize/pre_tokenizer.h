#pragma once
// Pre-tokenizers of Hugging Face tokenizer.json: they cut normalized text into pieces
// ("words") that the BPE model encodes independently. Each step maps every piece to zero
// or more pieces.
#include <memory>
#include <string>
#include <vector>

namespace depthscope {

class Regex;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual std::vector<std::string> apply(std::vector<std::string> pieces) const = 0;
};

// What Split does with the text a pattern matches (the "delimiter").
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// Cuts each piece at the matches of `regex`; `invert` swaps matches and the text between.
std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(std::shared_ptr<const Regex> regex,
                                                       SplitBehavior behavior, bool invert);

// GPT-2's ByteLevel: optionally prefixes a space, splits with the GPT-2 pattern when
// `use_regex`, then spells every byte as its byte-level character (byte_level.h).
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);

// SentencePiece's Metaspace: spaces become `replacement` ("▁"), which is prepended
// (always / to the first piece only / never) and, when `split`, starts a new piece.
enum class PrependScheme { always, first, never };
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(std::string replacement,
                                                           PrependScheme prepend, bool split);

std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(
    std::vector<std::unique_ptr<PreTokenizer>> steps);

}  // namespace depthscope
