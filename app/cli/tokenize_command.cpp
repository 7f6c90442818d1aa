// depthscope-cli tokenize: the ids (and pieces) a tokenizer gives a text or a file.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "app/cli/commands.h"
#include "core/error.h"
#include "core/tokenize/read_file.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string text;
  std::string file;
  bool json = false;
};

// A piece as one printable, quoted field: control and non-UTF-8 bytes escaped.
std::string printable(const std::string& piece) {
  std::string out = "\"";
  for (unsigned char c : piece) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c == '"' || c == '\\') out += std::string("\\") + static_cast<char>(c);
    else if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else out += static_cast<char>(c);  // UTF-8 passes through
  }
  return out + "\"";
}

void run_tokenize(const TokenizeOptions& o) {
  const auto tok = load_tokenizer(o.tokenizer);
  // A file is one text, newlines included.
  const std::string text = o.file.empty() ? o.text : read_file_bytes(o.file);
  const std::vector<std::int64_t> ids = tok->encode(text);
  if (o.json) {
    std::cout << nlohmann::json{{"ids", ids}, {"count", ids.size()}}.dump() << "\n";
    return;
  }
  std::cout << "tokenizer  " << tok->description() << ", " << tok->vocab_size() << " tokens\n"
            << "tokens     " << ids.size() << "\n";
  for (std::int64_t id : ids) std::cout << std::setw(8) << id << "  " << printable(tok->piece(id)) << "\n";
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize", "Encode a text or a file with a tokenizer");
  auto o = std::make_shared<TokenizeOptions>();
  cmd->add_option("--tokenizer", o->tokenizer,
                  "tokenizer.json, tokenizer.model, tokenizer.bin, encoder.json, a .gguf file, or their folder")
      ->required();
  auto* text = cmd->add_option("--text", o->text, "The text to encode");
  auto* file = cmd->add_option("--file", o->file, "A file to encode as one text (newlines included)");
  text->excludes(file);
  cmd->add_flag("--json", o->json, "Print {\"ids\": [...], \"count\": n}");
  cmd->callback([o, text, file] {
    if (text->count() == 0 && file->count() == 0) throw UsageError("tokenize needs --text TEXT or --file FILE");
    run_tokenize(*o);
  });
}

}  // namespace depthscope::cli
