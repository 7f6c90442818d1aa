#include "core/tokenize/regex.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8  // the build sets it; standalone compiles need it too
#endif
#include <pcre2.h>

#include <algorithm>
#include <stdexcept>

#include "core/tokenize/utf8.h"

namespace depthscope {

struct Regex::Impl {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;  // bounds backtracking on hostile patterns
};

Regex::Regex(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw std::invalid_argument("regular expression does not compile at offset " +
                                std::to_string(error_offset) + ": " +
                                reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter
  impl_->context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(impl_->context, 1000000);
}

Regex::~Regex() {
  pcre2_match_context_free(impl_->context);
  pcre2_code_free(impl_->code);
}

void Regex::for_each_match(std::string_view text,
                           const std::function<void(std::size_t, std::size_t)>& on_match) const {
  std::size_t run_begin = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8::valid_char_length(text, i);
    if (n > 0) {
      i += n;
      continue;
    }
    search_valid(text.substr(run_begin, i - run_begin), run_begin, on_match);
    run_begin = ++i;
  }
  search_valid(text.substr(run_begin), run_begin, on_match);
}

void Regex::search_valid(std::string_view text, std::size_t offset,
                         const std::function<void(std::size_t, std::size_t)>& on_match) const {
  if (text.empty()) return;
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t start = 0;
  while (start < text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                               data, impl_->context);
    if (rc < 0) break;  // PCRE2_ERROR_NOMATCH, or a resource limit: the rest stays unmatched
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const std::size_t begin = ovector[0], end = ovector[1];
    if (end > begin && begin >= start) {
      on_match(offset + begin, offset + end);
      start = end;
    } else {  // an empty match (or a \K oddity): step over one character
      start = std::max(start, begin);
      if (start >= text.size()) break;
      start += utf8::char_length(text, start);
    }
  }
  pcre2_match_data_free(data);
}

}  // namespace depthscope
