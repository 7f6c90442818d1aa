#pragma once
// Builds a corpus folder: text files -> documents -> split -> tokenizer -> tokens.bin +
// corpus.json. Torch-free. The folder layout and every choice are in docs/training.md.
//
//   DIR/tokens.bin       token ids, little-endian uint16 (vocab <= 65536) or uint32: all
//                        training documents in file order, then all validation documents;
//                        every document is followed by the separator ids
//   DIR/tokenizer.*      the tokenizer (bpe/unigram: tokenizer.model + tokenizer.vocab; a
//                        given file: its copy; bytes: none)
//   DIR/corpus.json      written last: files with SHA-256 and counts, split, offsets
#include <string>

#include "core/runtime/progress.h"
#include "core/tokenize/tokenizer.h"
#include "core/train/corpus_manifest.h"
#include "core/train/corpus_options.h"

namespace depthscope {

// Builds into `out_dir` (created when missing; files of an earlier corpus there are replaced).
// Throws FileError naming a text file that is missing, unreadable or empty; UsageError for a
// bad tokenizer choice, a vocabulary the text cannot fill, or text with no documents.
CorpusManifest build_corpus(const CorpusOptions& options, const std::string& out_dir,
                            const RunControl& control = RunControl());

// The same with a tokenizer the caller already holds (options.tokenizer is only recorded):
// corpus.json says tokenizer kind "given" and no tokenizer file is written.
CorpusManifest build_corpus_with(const CorpusOptions& options, const Tokenizer& tokenizer,
                                 const std::string& out_dir, const RunControl& control = RunControl());

}  // namespace depthscope
