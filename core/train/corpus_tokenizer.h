#pragma once
// The tokenizer of a corpus: which one the user asked for, and how it gets into the corpus
// folder. Torch-free.
//
//   bytes        id = byte value (vocabulary 256); no file is written.
//   bpe:N        SentencePiece BPE with N pieces trained on the corpus's training documents,
//   unigram:N    or a unigram model; saved as tokenizer.model (+ tokenizer.vocab, for reading).
//   PATH         any tokenizer DepthScope reads (tokenizer.json, a .model, encoder.json +
//                vocab.bpe, a llama2.c tokenizer.bin, or a folder holding one): copied into
//                the corpus folder under its standard name.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tokenize/tokenizer.h"

namespace depthscope {

struct TokenizerChoice {
  enum class Kind { bytes, bpe, unigram, file };
  Kind kind = Kind::bytes;
  std::int64_t vocab_size = 0;  // bpe / unigram
  std::string path;             // file: as given
  std::string spec;             // as the user wrote it

  // Throws UsageError naming the spec: "bpe:abc", "bpe:5" (too small), a missing path.
  static TokenizerChoice parse(const std::string& spec);
  const char* kind_name() const;  // "bytes" | "bpe" | "unigram" | "file"
};

// Copies the tokenizer file(s) of `path` (a file or a folder) into `dir` under their standard
// names; returns the main file's name (e.g. "tokenizer.json", "encoder.json", "tokenizer.model").
// Throws FileError when `path` holds no tokenizer DepthScope reads.
std::string copy_tokenizer_into(const std::string& path, const std::string& dir);

// What is appended after every document: the tokenizer's EOS id when it has one, else the ids
// of "\n" (bytes: {10}); may be empty (a tokenizer that encodes "\n" to nothing).
std::vector<std::int64_t> document_separator(const Tokenizer& tokenizer);

}  // namespace depthscope
