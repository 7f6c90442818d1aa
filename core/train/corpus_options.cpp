#include "core/train/corpus_options.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace depthscope {

CorpusOptions corpus_options_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw UsageError(where + ": expected an object such as {\"text\": [\"a.txt\"], \"tokenizer\": \"bytes\"}");
  CorpusOptions o;
  for (const auto& [key, value] : j.items()) {
    const std::string field = where + "." + key;
    if (key == "text") {
      if (value.is_string()) {
        o.text_files = {value.get<std::string>()};
      } else if (value.is_array()) {
        for (const auto& f : value) {
          if (!f.is_string()) throw UsageError(field + ": expected file names (strings)");
          o.text_files.push_back(f.get<std::string>());
        }
      } else {
        throw UsageError(field + ": expected a file name or a list of file names");
      }
    } else if (key == "tokenizer") {
      if (!value.is_string()) throw UsageError(field + ": expected \"bytes\", \"bpe:N\", \"unigram:N\" or a path");
      o.tokenizer = value.get<std::string>();
    } else if (key == "validation_fraction") {
      if (!value.is_number()) throw UsageError(field + ": expected a number such as 0.05");
      o.validation_fraction = value.get<double>();
    } else if (key == "split_seed") {
      if (!value.is_number_integer() || (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0))
        throw UsageError(field + ": expected a whole number >= 0");
      o.split_seed = value.get<std::uint64_t>();
    } else {
      throw UsageError(field + ": unknown key (expected text, tokenizer, validation_fraction, split_seed)");
    }
  }
  check_corpus_options(o);
  return o;
}

void check_corpus_options(const CorpusOptions& o) {
  if (!(o.validation_fraction >= 0 && o.validation_fraction <= 0.5))
    throw UsageError("validation fraction " + std::to_string(o.validation_fraction) +
                     " is outside [0, 0.5] (e.g. 0.05 keeps 5% of the documents for validation)");
}

}  // namespace depthscope
