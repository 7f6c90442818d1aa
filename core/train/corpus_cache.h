#pragma once
// A cache of built corpora, for specs that name text files and a tokenizer: the folder
// <cache_root>/<tokenizer>-<key> is reused while its inputs are unchanged. Torch-free.
//
// The key is the SHA-256 (first 16 hex digits) of: the corpus format version, each text
// file's absolute path, size and modification time (nanoseconds), the tokenizer choice (for a
// tokenizer path also its files' sizes and times), the validation fraction and the split
// seed. Editing, replacing or touching a text file therefore builds a new corpus.
// Builds go to a temporary sibling folder renamed into place, so concurrent processes
// (data-parallel ranks) never see half a corpus; the loser of a race uses the winner's.
#include <string>

#include "core/runtime/progress.h"
#include "core/train/corpus_options.h"

namespace depthscope {

struct CachedCorpus {
  std::string dir;     // the corpus folder, ready for TokenCorpus
  bool built = false;  // false: reused
};

// "bytes-1f3a...", "bpe4096-...", "unigram8000-...", "file-...". Throws FileError for a text
// file that does not exist, UsageError for a bad tokenizer choice.
std::string corpus_cache_key(const CorpusOptions& options);

// Reuses <cache_root>/<key> when it holds a corpus that opens (corpus.json and tokens.bin
// intact), else builds it there.
CachedCorpus build_or_open_corpus(const CorpusOptions& options, const std::string& cache_root,
                                  const RunControl& control = RunControl());

}  // namespace depthscope
