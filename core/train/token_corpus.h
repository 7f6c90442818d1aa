#pragma once
// An opened corpus folder (corpus_builder.h): tokens.bin memory-mapped read-only, and the
// windows training and validation read from it.
//
// Training windows are stateless: the start of row b of micro-batch `micro` at step `step` is
// a pure function of (seed, step, micro, b) (corpus_sampling.h), uniform over the training
// region. A resumed run therefore draws exactly the windows an uninterrupted one would, with
// no data position to save; data-parallel ranks pass distinct `micro` values (e.g.
// rank * accumulation + micro). Windows never reach into the validation region.
#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/io/mapped_file.h"
#include "core/tokenize/tokenizer.h"
#include "core/train/corpus_manifest.h"

namespace depthscope {

class TokenCorpus {
 public:
  // Opens DIR/corpus.json and DIR/tokens.bin, checking that the file holds exactly the tokens
  // corpus.json counts and that every id is inside the vocabulary. Throws FileError naming the
  // file and field (a truncated tokens.bin, a damaged corpus.json, ...).
  explicit TokenCorpus(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const CorpusManifest& manifest() const { return manifest_; }
  std::int64_t vocab_size() const { return manifest_.vocab_size; }
  std::int64_t train_tokens() const { return manifest_.train.tokens; }
  std::int64_t validation_tokens() const { return manifest_.validation.tokens; }
  // The corpus's tokenizer: DIR/<tokenizer file>, or bytes. Throws UsageError for a corpus
  // built with a "given" tokenizer (there is no file to load).
  std::unique_ptr<Tokenizer> tokenizer() const;
  // DIR/<tokenizer file>, or "" for bytes / given.
  std::string tokenizer_path() const;

  // int64 [batch, seq + 1]: row b is tokens [s, s + seq + 1) of the training region, s =
  // window_start(seed, step, micro, b, train_tokens - seq). Inputs = [:, :-1], targets = [:, 1:].
  // Throws UsageError when the training region is shorter than seq + 1 tokens.
  at::Tensor train_batch(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t batch,
                         std::int64_t seq) const;
  // The start (in tokens, from the beginning of tokens.bin) of one training window.
  std::int64_t train_window_start(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t row,
                                  std::int64_t seq) const;

  // int64 [n, seq + 1]: window k is validation tokens [k * seq, k * seq + seq + 1), so
  // consecutive windows share one edge token and every validation token after the first is
  // a target exactly once. n = the most windows whose targets fit in max_tokens (at least 1;
  // max_tokens <= 0: every whole window). Throws UsageError when the validation region is
  // shorter than seq + 1 tokens.
  at::Tensor validation_windows(std::int64_t seq, std::int64_t max_tokens) const;
  // The same windows cut into batches of at most `batch` rows: a fixed, deterministic list.
  std::vector<at::Tensor> validation_batches(std::int64_t seq, std::int64_t max_tokens,
                                             std::int64_t batch = 8) const;

  // `count` ids from token `offset` of tokens.bin (decoding, tests).
  std::vector<std::int64_t> ids(std::int64_t offset, std::int64_t count) const;

 private:
  std::int64_t token(std::int64_t i) const;
  void check_window(const char* region, std::int64_t available, std::int64_t seq) const;
  // int64 [rows, seq + 1] from the window starts.
  at::Tensor gather(const std::vector<std::int64_t>& starts, std::int64_t seq) const;

  std::string dir_;
  CorpusManifest manifest_;
  std::shared_ptr<MappedFile> tokens_;
};

}  // namespace depthscope
