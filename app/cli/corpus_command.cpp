// depthscope-cli corpus build | info: training corpora (core/train/corpus_builder.h,
// token_corpus.h). `build --json` and `info --json` print corpus.json.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "app/cli/commands.h"
#include "core/runtime/progress.h"
#include "core/train/corpus_builder.h"
#include "core/train/token_corpus.h"

namespace depthscope::cli {
namespace {

struct CorpusBuildOptions {
  CorpusOptions corpus;
  std::string out;
  bool json = false;
};

std::string megabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  return buf;
}

void print_summary(const CorpusManifest& m, const std::string& dir) {
  std::int64_t gzip = 0;
  for (const auto& f : m.files) gzip += f.gzip;
  std::string separator;
  for (std::int64_t id : m.separator) separator += (separator.empty() ? "" : " ") + std::to_string(id);
  std::cout << "corpus      " << dir << "\n"
            << "files       " << m.files.size() << (gzip ? " (" + std::to_string(gzip) + " gzip)" : "") << ", "
            << m.total_documents() << " documents\n"
            << "tokenizer   " << m.tokenizer_spec << ": " << m.tokenizer_description << ", " << m.vocab_size
            << " tokens" << (m.tokenizer_file.empty() ? "" : ", " + m.tokenizer_file) << "; separator ["
            << separator << "]\n"
            << "tokens      " << m.total_tokens() << " " << m.dtype << " ("
            << megabytes(static_cast<double>(m.total_tokens()) * m.token_bytes()) << ")\n"
            << "train       " << m.train.tokens << " tokens, " << m.train.documents << " documents\n"
            << "validation  " << m.validation.tokens << " tokens, " << m.validation.documents << " documents ("
            << m.validation_fraction * 100 << "% by document hash, seed " << m.split_seed << ")\n";
}

// Stage changes on stderr ("training the bpe:4096 tokenizer", "tokenizing"), once each.
RunControl stage_printer() {
  auto last = std::make_shared<std::string>();
  return RunControl(
      [last](const Progress& p) {
        const std::string stage = p.stage.rfind("reading ", 0) == 0 ? "reading" : p.stage;
        if (stage == *last || stage == "done") return;
        *last = stage;
        std::cerr << "corpus: " << stage << "...\n";
      },
      nullptr);
}

void run_build(const CorpusBuildOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const CorpusManifest m = build_corpus(o.corpus, o.out, o.json ? RunControl() : stage_printer());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.json) {
    std::cout << corpus_manifest_json(m);
    return;
  }
  print_summary(m, o.out);
  std::cout << "built in    " << std::fixed << std::setprecision(2) << seconds << " s\n";
}

void add_build(CLI::App& corpus) {
  auto* cmd = corpus.add_subcommand("build", "Tokenize text files into a corpus folder (tokens.bin, corpus.json)");
  auto o = std::make_shared<CorpusBuildOptions>();
  cmd->add_option("--text", o->corpus.text_files,
                  "Text files (plain or gzip). Default: Debian's fortune files and the Jargon File");
  cmd->add_option("--tokenizer", o->corpus.tokenizer,
                  "bytes | bpe:N | unigram:N (trained on the text) | a tokenizer file or folder")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "The corpus folder to write")->required();
  cmd->add_option("--validation", o->corpus.validation_fraction,
                  "Fraction of the documents kept for validation (by document hash)")
      ->capture_default_str();
  cmd->add_option("--split-seed", o->corpus.split_seed, "Seed of the document hash that makes the split")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print corpus.json");
  cmd->callback([o] { run_build(*o); });
}

void add_info(CLI::App& corpus) {
  auto* cmd = corpus.add_subcommand("info", "Check a corpus folder and describe it");
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("dir", *dir, "The corpus folder")->required();
  cmd->add_flag("--json", *json, "Print corpus.json");
  cmd->callback([dir, json] {
    const TokenCorpus corpus(*dir);  // checks corpus.json and tokens.bin
    if (*json) {
      std::cout << corpus_manifest_json(corpus.manifest());
      return;
    }
    print_summary(corpus.manifest(), *dir);
  });
}

}  // namespace

void add_corpus_command(CLI::App& app) {
  auto* corpus = app.add_subcommand("corpus", "Training corpora: build one from text files, or describe one");
  corpus->require_subcommand(1);
  add_build(*corpus);
  add_info(*corpus);
}

}  // namespace depthscope::cli
