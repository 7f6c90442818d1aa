#include "app/cli/analysis_input.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/model_placement.h"
#include "core/model/transformer.h"
#include "core/runtime/torch_device.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope::cli {

void add_analysis_input_options(CLI::App* cmd, AnalysisInputOptions& o) {
  cmd->add_option("MODEL", o.model, "Checkpoint: HF folder, .safetensors, .gguf or llama2.c .bin")->required();
  auto* text = cmd->add_option("--text", o.text,
                               std::string("Evaluation text, tokenized with the checkpoint's tokenizer (default ") +
                                   kDefaultCorpus + ")");
  auto* tokens = cmd->add_option("--tokens", o.tokens, "Token ids (whitespace/comma separated) instead of --text");
  text->excludes(tokens);
  add_device_option(cmd, o.device);
  cmd->add_flag("--progress", o.progress, "Print progress with ETA on stderr even when it is not a terminal");
}

void add_device_option(CLI::App* cmd, std::string& device) {
  cmd->add_option("--device", device, "Compute device: cpu, cuda or cuda:N (the model is loaded there)")
      ->capture_default_str();
}

Transformer load_model_on(const std::string& path, const ComputeDevice& device) {
  LoadedCheckpoint ck = load_checkpoint(path);
  Transformer model(std::move(ck.config), std::move(ck.weights));
  if (!device.is_cuda()) return model;  // the CPU path as it always was
  return model_on(model, torch_device(device));
}

void add_max_tokens_option(CLI::App* cmd, AnalysisInputOptions& o) {
  cmd->add_option("--max-tokens", o.max_tokens, "Use only the first N evaluation ids (BOS included; 0 = all)")
      ->capture_default_str();
}

std::vector<std::int64_t> read_token_ids(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "", "cannot open the token-id file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  std::vector<std::int64_t> ids;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != ','))
      throw FileError(path, "byte " + std::to_string(i + 1),
                      "expected a non-negative integer token id, found '" + s.substr(i, std::min<std::size_t>(12, s.size() - i)) + "'");
    if (j - i > 18) throw FileError(path, "byte " + std::to_string(i + 1), "token id is too large");
    ids.push_back(std::stoll(s.substr(i, j - i)));
    i = j;
  }
  if (ids.empty()) throw FileError(path, "", "no token ids");
  return ids;
}

AnalysisInput load_analysis_input(const AnalysisInputOptions& o, std::int64_t n_ctx, std::int64_t stride) {
  if (o.max_tokens < 0) throw UsageError("--max-tokens must be 0 (all) or a positive number of ids");
  AnalysisInput in;
  in.device = require_device(o.device);  // before any loading: a wrong device fails at once
  in.model = std::make_unique<Transformer>(load_model_on(o.model, in.device));
  in.tokenizer = find_tokenizer_for(o.model);
  if (!in.tokenizer) in.tokenizer = make_byte_tokenizer();
  EvalSetOptions options;
  options.max_tokens = o.max_tokens;
  options.n_ctx = n_ctx;
  options.stride = stride;
  EvalSet set = o.tokens.empty() ? eval_set_from_file(o.text, *in.tokenizer, in.model->config(), options)
                                 : eval_set_from_ids(read_token_ids(o.tokens), in.model->config(), options, o.tokens);
  in.tokens = std::move(set.tokens);
  in.windows = set.windows;
  if (in.windows.bos_id >= 0) in.bos = in.windows.bos_id;
  in.source = std::move(set.source);
  return in;
}

CliProgress::CliProgress(bool force)
    : enabled_(force || isatty(STDERR_FILENO) != 0),
      control_(enabled_ ? ProgressFn([this](const Progress& p) { print(p); }) : ProgressFn(), nullptr) {}

CliProgress::~CliProgress() {
  if (printed_) std::fputc('\n', stderr);
}

void CliProgress::print(const Progress& p) {
  const bool last = p.done >= p.total;
  if (!last && last_print_s_ >= 0 && p.elapsed_s - last_print_s_ < 0.1) return;  // at most 10 lines/s
  last_print_s_ = p.elapsed_s;
  std::fprintf(stderr, "\r%s  %3.0f%%  elapsed %s  ETA %s   ", p.stage.c_str(), 100.0 * p.fraction(),
               format_duration(p.elapsed_s).c_str(), format_duration(p.eta_s).c_str());
  std::fflush(stderr);
  printed_ = true;
}

}  // namespace depthscope::cli
