#include "core/train/corpus_cache.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "core/train/corpus_builder.h"
#include "core/train/corpus_manifest.h"
#include "core/train/corpus_sha256.h"
#include "core/train/corpus_text.h"
#include "core/train/corpus_tokenizer.h"
#include "core/train/token_corpus.h"

namespace depthscope {
namespace fs = std::filesystem;
namespace {

// "path size mtime_ns" of a file, or of every file directly inside a folder.
std::string stamp(const fs::path& p) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::string s;
    for (const fs::path& f : files) s += stamp(f);
    return s;
  }
  const fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
  const auto size = fs::file_size(p, ec);
  if (ec) throw FileError(p.string(), "", "no such file (give an existing text file)");
  const auto time = fs::last_write_time(p, ec).time_since_epoch();
  return abs.string() + "\t" + std::to_string(size) + "\t" +
         std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(time).count()) + "\n";
}

bool opens(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "corpus.json", ec)) return false;
  try {
    TokenCorpus corpus(dir.string());
    return true;
  } catch (const FileError&) {
    return false;
  }
}

}  // namespace

std::string corpus_cache_key(const CorpusOptions& options) {
  check_corpus_options(options);
  const TokenizerChoice choice = TokenizerChoice::parse(options.tokenizer);
  const std::vector<std::string> files = options.text_files.empty() ? default_corpus_files() : options.text_files;
  Sha256 h;
  h.update("depthscope-corpus v" + std::to_string(kCorpusFormatVersion) + "\n");
  for (const std::string& f : files) h.update("text\t" + stamp(f));
  h.update("tokenizer\t" + options.tokenizer + "\n");
  if (choice.kind == TokenizerChoice::Kind::file) h.update(stamp(choice.path));
  h.update("validation\t" + std::to_string(options.validation_fraction) + "\nseed\t" +
           std::to_string(options.split_seed) + "\n");
  std::string name = choice.kind_name();
  if (choice.vocab_size > 0) name += std::to_string(choice.vocab_size);
  return name + "-" + h.hex_digest().substr(0, 16);
}

CachedCorpus build_or_open_corpus(const CorpusOptions& options, const std::string& cache_root,
                                  const RunControl& control) {
  const fs::path root(cache_root);
  const fs::path dir = root / corpus_cache_key(options);
  if (opens(dir)) return {dir.string(), false};
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw FileError(cache_root, "", "cannot create the corpus cache folder: " + ec.message());
  const fs::path tmp = root / (dir.filename().string() + ".tmp-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  try {
    build_corpus(options, tmp.string(), control);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  if (fs::exists(dir, ec) && !opens(dir)) fs::remove_all(dir, ec);  // a damaged earlier build
  fs::rename(tmp, dir, ec);
  if (ec) {  // another process finished first: use its corpus
    fs::remove_all(tmp, ec);
    if (!opens(dir)) throw FileError(dir.string(), "", "cannot move the built corpus into the cache");
    return {dir.string(), false};
  }
  return {dir.string(), true};
}

}  // namespace depthscope
