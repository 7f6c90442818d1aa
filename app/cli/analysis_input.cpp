#include "app/cli/analysis_input.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope::cli {

void add_analysis_input_options(CLI::App* cmd, AnalysisInputOptions& o) {
  cmd->add_option("MODEL", o.model, "Checkpoint: HF folder, .safetensors or llama2.c .bin")->required();
  auto* text = cmd->add_option("--text", o.text,
                               std::string("Evaluation text, tokenized with the checkpoint's tokenizer (default ") +
                                   kDefaultCorpus + ")");
  auto* tokens = cmd->add_option("--tokens", o.tokens, "Token ids (whitespace/comma separated) instead of --text");
  text->excludes(tokens);
  cmd->add_flag("--progress", o.progress, "Print progress with ETA on stderr even when it is not a terminal");
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

AnalysisInput load_analysis_input(const AnalysisInputOptions& o) {
  AnalysisInput in;
  LoadedCheckpoint ck = load_checkpoint(o.model);
  in.model = std::make_unique<Transformer>(std::move(ck.config), std::move(ck.weights));
  in.tokenizer = find_tokenizer_for(o.model);
  if (!in.tokenizer) in.tokenizer = make_byte_tokenizer();
  if (!o.tokens.empty()) {
    in.tokens = read_token_ids(o.tokens);
    return in;
  }
  const std::string path = o.text.empty() ? std::string(kDefaultCorpus) : o.text;
  if (!std::filesystem::exists(path)) {
    if (o.text.empty())
      throw FileError(path, "", "the default corpus is missing: install the Debian package fortunes-min, or pass --text FILE or --tokens FILE");
    throw FileError(path, "", "no such file");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw FileError(path, "", "cannot open the text");
  std::stringstream ss;
  ss << f.rdbuf();
  in.bos = in.tokenizer->bos_id();
  if (in.bos) in.tokens.push_back(*in.bos);
  const std::vector<std::int64_t> ids = in.tokenizer->encode(ss.str());
  in.tokens.insert(in.tokens.end(), ids.begin(), ids.end());
  if (in.tokens.size() < 2) throw FileError(path, "", "the text gives fewer than 2 tokens");
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
