#include "core/analysis/eval_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope {
namespace {

// Generous: byte tokenizers take 1 byte per id, BPE vocabularies about 4.
constexpr std::int64_t kBytesPerWantedToken = 16;

void finish(EvalSet& set, const ModelConfig& model, const EvalSetOptions& options) {
  if (options.max_tokens > 0 && static_cast<std::int64_t>(set.tokens.size()) > options.max_tokens)
    set.tokens.resize(static_cast<std::size_t>(options.max_tokens));
  if (set.tokens.size() < 2)
    throw FileError(set.source, "", "gives fewer than 2 tokens; an evaluation needs a longer text");
  for (std::size_t i = 0; i < set.tokens.size(); ++i) {
    const std::int64_t id = set.tokens[i];
    if (id < 0 || id >= model.vocab_size)
      throw FileError(set.source, "token " + std::to_string(i + 1),
                      "id " + std::to_string(id) + " is outside the model's vocabulary of " +
                          std::to_string(model.vocab_size) +
                          "; the tokenizer does not belong to this checkpoint (put the checkpoint's own "
                          "tokenizer beside it, or give token ids)");
  }
  set.windows.n_ctx = options.n_ctx > 0
                          ? options.n_ctx
                          : std::min<std::int64_t>({512, model.max_position, static_cast<std::int64_t>(set.tokens.size())});
  set.windows.stride = options.stride;
}

// The beginning of a text cut after its last complete line, so the ids of what is kept do
// not depend on where the read stopped.
std::string whole_lines(std::string text) {
  const std::size_t nl = text.rfind('\n');
  if (nl != std::string::npos && nl > 0) text.resize(nl + 1);
  return text;
}

}  // namespace

EvalSet eval_set_from_text(const std::string& text, const Tokenizer& tokenizer, const ModelConfig& model,
                           const EvalSetOptions& options, const std::string& source) {
  EvalSet set;
  set.source = source;
  const std::optional<std::int64_t> bos = tokenizer.bos_id();
  if (bos) set.tokens.push_back(*bos);
  const std::vector<std::int64_t> ids = tokenizer.encode(text);
  set.tokens.insert(set.tokens.end(), ids.begin(), ids.end());
  set.windows.bos_id = bos ? *bos : -1;
  finish(set, model, options);
  return set;
}

EvalSet eval_set_from_file(const std::string& path_in, const Tokenizer& tokenizer, const ModelConfig& model,
                           const EvalSetOptions& options) {
  const std::string path = path_in.empty() ? std::string(kDefaultCorpus) : path_in;
  if (!std::filesystem::exists(path)) {
    if (path == kDefaultCorpus)
      throw FileError(path, "", "the default corpus is missing: install the Debian package fortunes-min, "
                                "or give a text file");
    throw FileError(path, "", "no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "", "cannot open the text (check its permissions)");
  std::string text;
  if (options.max_tokens > 0) {
    text.resize(static_cast<std::size_t>(options.max_tokens * kBytesPerWantedToken));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in.peek() != std::char_traits<char>::eof()) text = whole_lines(std::move(text));
  } else {
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return eval_set_from_text(text, tokenizer, model, options, path);
}

EvalSet eval_set_from_ids(std::vector<std::int64_t> ids, const ModelConfig& model, const EvalSetOptions& options,
                          const std::string& source) {
  EvalSet set;
  set.source = source;
  set.tokens = std::move(ids);
  set.windows.bos_id = -1;
  finish(set, model, options);
  return set;
}

}  // namespace depthscope
