#pragma once
// What the analysis commands (stats, perplexity, prune-sweep, jacobian) share: the model
// argument, the evaluation text or token ids, and progress printing on stderr. The ids and
// windows come from core/analysis/eval_set.h, the function the GUI calls too, so both
// report the same numbers.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/eval_set.h"
#include "core/analysis/perplexity.h"
#include "core/model/transformer.h"
#include "core/runtime/device_choice.h"
#include "core/runtime/progress.h"
#include "core/tokenize/tokenizer.h"

namespace CLI {
class App;
}

namespace depthscope::cli {

struct AnalysisInputOptions {
  std::string model;        // checkpoint path (positional MODEL)
  std::string text;         // --text FILE
  std::string tokens;       // --tokens FILE
  std::int64_t max_tokens = 0;  // --max-tokens N (0: all)
  bool progress = false;    // --progress
  std::string device = "cpu";  // --device cpu|cuda[:N]
};

// Adds MODEL, --text, --tokens, --device and --progress to a subcommand.
void add_analysis_input_options(CLI::App* cmd, AnalysisInputOptions& o);
// Adds --device cpu|cuda[:N] (default cpu) bound to `device`.
void add_device_option(CLI::App* cmd, std::string& device);
// A checkpoint loaded and put on `device` (checked by require_device): F16/BF16 weights keep
// their dtype there (core/model/model_placement.h).
Transformer load_model_on(const std::string& path, const ComputeDevice& device);
// Adds --max-tokens N, read by load_analysis_input (the GUI's "Tokens" setting).
void add_max_tokens_option(CLI::App* cmd, AnalysisInputOptions& o);

struct AnalysisInput {
  std::unique_ptr<Transformer> model;     // on `device`
  ComputeDevice device;                   // --device, checked ("cuda" resolved to cuda:0)
  std::unique_ptr<Tokenizer> tokenizer;   // the checkpoint's, or bytes when it has none
  std::vector<std::int64_t> tokens;       // evaluation ids (BOS first when text was tokenized)
  std::optional<std::int64_t> bos;        // the tokenizer's BOS, only when text was tokenized
  PerplexityOptions windows;              // scoring windows, bos_id set as eval_set.h says
  std::string source;                     // the text file or the token-id file
};

// Checks --device first (UsageError naming it and why it cannot be used), then loads the
// checkpoint onto it and the evaluation set (core/analysis/eval_set.h): --tokens as
// given; otherwise the text (--text or the default corpus) tokenized with
// find_tokenizer_for(model), bytes if none, BOS first when the tokenizer has one; at most
// --max-tokens ids. n_ctx 0: min(512, the model's context, the token count). Throws
// FileError/UsageError with a sentence to act on.
AnalysisInput load_analysis_input(const AnalysisInputOptions& o, std::int64_t n_ctx = 0, std::int64_t stride = 0);

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
