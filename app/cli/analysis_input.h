#pragma once
// What the analysis commands (stats, perplexity, prune-sweep, jacobian) share: the model
// argument, the evaluation text or token ids, and progress printing on stderr.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/transformer.h"
#include "core/runtime/progress.h"
#include "core/tokenize/tokenizer.h"

namespace CLI {
class App;
}

namespace depthscope::cli {

// Used when neither --text nor --tokens is given (Debian package fortunes-min).
inline constexpr const char* kDefaultCorpus = "/usr/share/games/fortunes/fortunes";

struct AnalysisInputOptions {
  std::string model;        // checkpoint path (positional MODEL)
  std::string text;         // --text FILE
  std::string tokens;       // --tokens FILE
  bool progress = false;    // --progress
};

// Adds MODEL, --text, --tokens and --progress to a subcommand.
void add_analysis_input_options(CLI::App* cmd, AnalysisInputOptions& o);

struct AnalysisInput {
  std::unique_ptr<Transformer> model;
  std::unique_ptr<Tokenizer> tokenizer;   // the checkpoint's, or bytes when it has none
  std::vector<std::int64_t> tokens;       // evaluation ids (BOS first when text was tokenized)
  std::optional<std::int64_t> bos;        // the tokenizer's BOS, only when text was tokenized
};

// Loads the checkpoint and the ids: --tokens as given; otherwise the text (--text or the
// default corpus) tokenized with find_tokenizer_for(model), bytes if none, BOS prepended
// when the tokenizer has one. Throws FileError/UsageError with a sentence to act on.
AnalysisInput load_analysis_input(const AnalysisInputOptions& o);

// Token ids separated by whitespace and/or commas. Throws FileError naming the file and
// the position of anything that is not a non-negative integer.
std::vector<std::int64_t> read_token_ids(const std::string& path);

// Progress "stage  43%  elapsed 0:02  ETA 0:03" on stderr, rewritten in place, when stderr
// is a terminal or `force` (--progress); silent otherwise. Ends the line when destroyed.
class CliProgress {
 public:
  explicit CliProgress(bool force);
  ~CliProgress();
  CliProgress(const CliProgress&) = delete;
  CliProgress& operator=(const CliProgress&) = delete;
  const RunControl& control() const { return control_; }

 private:
  void print(const Progress& p);
  bool enabled_ = false;
  bool printed_ = false;
  double last_print_s_ = -1;
  RunControl control_;
};

}  // namespace depthscope::cli
