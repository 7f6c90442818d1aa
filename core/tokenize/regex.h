#pragma once
// A PCRE2 pattern compiled with PCRE2_UTF | PCRE2_UCP (\p{L}, \s, ... mean their Unicode
// classes), JIT-compiled when the library supports it. Used for the pre-tokenizer splits.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace depthscope {

// The pre-tokenizer patterns of well-known byte-level BPE models.
namespace patterns {
// GPT-2 (and the default of the ByteLevel pre-tokenizer).
inline constexpr const char* gpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// Llama 3: case-insensitive contractions, digits in groups of 1-3.
inline constexpr const char* llama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2: as Llama 3 but single digits.
inline constexpr const char* qwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
}  // namespace patterns

class Regex {
 public:
  // Throws std::invalid_argument with PCRE2's message when the pattern does not compile.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls on_match(begin, end) for each non-overlapping match, left to right. Text that is
  // not valid UTF-8 is searched in its valid stretches; invalid bytes never match.
  void for_each_match(std::string_view text,
                      const std::function<void(std::size_t, std::size_t)>& on_match) const;

 private:
  void search_valid(std::string_view text, std::size_t offset,
                    const std::function<void(std::size_t, std::size_t)>& on_match) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace depthscope
