#include "core/model/scheme_words.h"

#include <exception>

#include "core/model/config.h"

namespace depthscope {

std::string scheme_word_display_name(const std::string& word) {
  try {
    return display_name(parse_scheme_choice(word));
  } catch (const std::exception&) {
    return word;
  }
}

}  // namespace depthscope
