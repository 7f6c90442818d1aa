#pragma once
// What a corpus is built from: text files, a tokenizer choice and the split. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace depthscope {

struct CorpusOptions {
  std::vector<std::string> text_files;  // empty: default_corpus_files() (corpus_text.h)
  std::string tokenizer = "bytes";      // bytes | bpe:N | unigram:N | a tokenizer path
  double validation_fraction = 0.05;    // of the documents, by document hash (corpus_sampling.h)
  std::uint64_t split_seed = 0;
};

// From a spec's corpus object: {"text": ["a.txt", ...] (or one string), "tokenizer": "bpe:4096",
// "validation_fraction": 0.05, "split_seed": 0}; every key optional. Throws UsageError naming
// the key (`where` prefixes it, e.g. "spec.corpus").
CorpusOptions corpus_options_from_json(const nlohmann::json& j, const std::string& where = "corpus");

// Throws UsageError when validation_fraction is outside [0, 0.5].
void check_corpus_options(const CorpusOptions& o);

}  // namespace depthscope
