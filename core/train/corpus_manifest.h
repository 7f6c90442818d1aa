#pragma once
// corpus.json: what a corpus folder holds, read back with every field checked. Torch-free.
// The format is documented in docs/training.md ("Corpus folder").
#include <cstdint>
#include <string>
#include <vector>

namespace depthscope {

constexpr int kCorpusFormatVersion = 1;

struct CorpusFileRecord {
  std::string path;                 // as given to the build
  std::string sha256;               // of the file's bytes as stored
  std::uint64_t bytes = 0;          // file size as stored
  bool gzip = false;
  std::string format;               // "fortune" | "paragraphs" (corpus_text.h)
  std::int64_t documents = 0;
  std::int64_t train_documents = 0;
  std::int64_t validation_documents = 0;
  std::int64_t tokens = 0;          // its documents' tokens, separators included
};

// One contiguous region of tokens.bin, in tokens (not bytes).
struct CorpusRegion {
  std::int64_t offset = 0;
  std::int64_t tokens = 0;
  std::int64_t documents = 0;
};

struct CorpusManifest {
  int version = kCorpusFormatVersion;
  // Tokenizer.
  std::string tokenizer_spec;         // "bytes", "bpe:4096", "unigram:8000" or the path given
  std::string tokenizer_kind;         // "bytes" | "bpe" | "unigram" | "file" | "given"
  std::string tokenizer_file;         // main file in the corpus folder; empty for bytes / given
  std::string tokenizer_description;  // Tokenizer::description()
  std::int64_t vocab_size = 0;
  std::vector<std::int64_t> separator;  // ids appended after every document
  // Tokens.
  std::string tokens_file = "tokens.bin";
  std::string dtype;                  // "uint16" (vocab_size <= 65536) | "uint32", little-endian
  // Split.
  std::string split_method = "document-hash";
  double validation_fraction = 0;
  std::uint64_t split_seed = 0;
  CorpusRegion train, validation;     // train first, then validation
  std::vector<CorpusFileRecord> files;

  std::int64_t total_tokens() const { return train.tokens + validation.tokens; }
  std::int64_t total_documents() const { return train.documents + validation.documents; }
  int token_bytes() const { return dtype == "uint16" ? 2 : 4; }
};

// "uint16" when every id fits (vocab_size <= 65536), else "uint32".
std::string token_dtype_for(std::int64_t vocab_size);

// corpus.json text (pretty-printed, 2-space indent).
std::string corpus_manifest_json(const CorpusManifest& m);
// Parses and checks corpus.json; `path` names it in errors: FileError(path, field, problem).
CorpusManifest parse_corpus_manifest(const std::string& text, const std::string& path);
CorpusManifest read_corpus_manifest(const std::string& path);
// Atomic write (core/io/atomic_file.h).
void write_corpus_manifest(const CorpusManifest& m, const std::string& path);

}  // namespace depthscope
