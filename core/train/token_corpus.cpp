#include "core/train/token_corpus.h"

#include <filesystem>

#include "core/error.h"
#include "core/train/corpus_sampling.h"

namespace depthscope {
namespace fs = std::filesystem;

TokenCorpus::TokenCorpus(const std::string& dir) : dir_(dir) {
  const fs::path folder(dir);
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw FileError(dir, "", "is not a corpus folder (build one with: depthscope-cli corpus build --out " + dir + ")");
  const fs::path json = folder / "corpus.json";
  if (!fs::exists(json, ec))
    throw FileError(json.string(), "", "missing: the folder holds no finished corpus (rebuild it with "
                                       "depthscope-cli corpus build)");
  manifest_ = read_corpus_manifest(json.string());
  const std::string tokens_path = (folder / manifest_.tokens_file).string();
  if (manifest_.total_tokens() == 0) throw FileError(json.string(), "tokens.count", "the corpus holds no tokens");
  tokens_ = MappedFile::open(tokens_path);
  const auto expected = static_cast<std::uint64_t>(manifest_.total_tokens()) * manifest_.token_bytes();
  if (tokens_->size() != expected)
    throw FileError(tokens_path, "size",
                    "is " + std::to_string(tokens_->size()) + " bytes but corpus.json counts " +
                        std::to_string(manifest_.total_tokens()) + " " + manifest_.dtype + " tokens (" +
                        std::to_string(expected) + " bytes)" +
                        (tokens_->size() < expected ? "; the file is truncated" : "") + ": rebuild the corpus");
  for (std::int64_t i = 0; i < manifest_.total_tokens(); ++i) {
    const std::int64_t id = token(i);
    if (id >= manifest_.vocab_size)
      throw FileError(tokens_path, "token " + std::to_string(i),
                      "id " + std::to_string(id) + " is outside the vocabulary (corpus.json tokenizer.vocab_size " +
                          std::to_string(manifest_.vocab_size) + "): rebuild the corpus");
  }
}

std::int64_t TokenCorpus::token(std::int64_t i) const {
  const std::uint8_t* p = tokens_->data() + i * manifest_.token_bytes();
  if (manifest_.token_bytes() == 2) return std::int64_t(p[0]) | (std::int64_t(p[1]) << 8);
  return std::int64_t(p[0]) | (std::int64_t(p[1]) << 8) | (std::int64_t(p[2]) << 16) | (std::int64_t(p[3]) << 24);
}

std::unique_ptr<Tokenizer> TokenCorpus::tokenizer() const {
  if (manifest_.tokenizer_kind == "bytes") return make_byte_tokenizer();
  if (manifest_.tokenizer_file.empty())
    throw UsageError("the corpus " + dir_ + " was built with a tokenizer given in code; it has no tokenizer file");
  return load_tokenizer(tokenizer_path());
}

std::string TokenCorpus::tokenizer_path() const {
  return manifest_.tokenizer_file.empty() ? "" : (fs::path(dir_) / manifest_.tokenizer_file).string();
}

void TokenCorpus::check_window(const char* region, std::int64_t available, std::int64_t seq) const {
  if (seq < 1) throw UsageError("sequence length " + std::to_string(seq) + " must be at least 1");
  if (available < seq + 1)
    throw UsageError("the corpus " + dir_ + " has " + std::to_string(available) + " " + region +
                     " tokens, but one window of sequence length " + std::to_string(seq) + " needs " +
                     std::to_string(seq + 1) + " (the inputs plus the next-token target): use a shorter "
                     "sequence or a larger corpus");
}

std::int64_t TokenCorpus::train_window_start(std::uint64_t seed, std::int64_t step, std::int64_t micro,
                                             std::int64_t row, std::int64_t seq) const {
  check_window("training", train_tokens(), seq);
  // Starts 0 .. train_tokens - seq - 1: the last window ends exactly at the region's end.
  return manifest_.train.offset + window_start(seed, step, micro, row, train_tokens() - seq);
}

at::Tensor TokenCorpus::gather(const std::vector<std::int64_t>& starts, std::int64_t seq) const {
  at::Tensor out = at::empty({static_cast<std::int64_t>(starts.size()), seq + 1}, at::kLong);  // [rows, seq + 1]
  std::int64_t* o = out.data_ptr<std::int64_t>();
  for (std::size_t r = 0; r < starts.size(); ++r)
    for (std::int64_t t = 0; t <= seq; ++t) *o++ = token(starts[r] + t);
  return out;
}

at::Tensor TokenCorpus::train_batch(std::uint64_t seed, std::int64_t step, std::int64_t micro, std::int64_t batch,
                                    std::int64_t seq) const {
  if (batch < 1) throw UsageError("batch size " + std::to_string(batch) + " must be at least 1");
  std::vector<std::int64_t> starts;
  for (std::int64_t b = 0; b < batch; ++b) starts.push_back(train_window_start(seed, step, micro, b, seq));
  return gather(starts, seq);  // [batch, seq + 1]
}

at::Tensor TokenCorpus::validation_windows(std::int64_t seq, std::int64_t max_tokens) const {
  check_window("validation", validation_tokens(), seq);
  std::int64_t n = (validation_tokens() - 1) / seq;  // whole windows: k * seq + seq + 1 <= tokens
  if (max_tokens > 0) n = std::max<std::int64_t>(1, std::min(n, max_tokens / seq));
  std::vector<std::int64_t> starts;
  for (std::int64_t k = 0; k < n; ++k) starts.push_back(manifest_.validation.offset + k * seq);
  return gather(starts, seq);  // [n, seq + 1]
}

std::vector<at::Tensor> TokenCorpus::validation_batches(std::int64_t seq, std::int64_t max_tokens,
                                                        std::int64_t batch) const {
  if (batch < 1) throw UsageError("batch size " + std::to_string(batch) + " must be at least 1");
  const at::Tensor all = validation_windows(seq, max_tokens);  // [n, seq + 1]
  std::vector<at::Tensor> out;
  for (std::int64_t r = 0; r < all.size(0); r += batch)
    out.push_back(all.slice(0, r, std::min(r + batch, all.size(0))));  // [<= batch, seq + 1]
  return out;
}

std::vector<std::int64_t> TokenCorpus::ids(std::int64_t offset, std::int64_t count) const {
  if (offset < 0 || count < 0 || offset + count > manifest_.total_tokens())
    throw UsageError("tokens [" + std::to_string(offset) + ", " + std::to_string(offset + count) +
                     ") are outside the corpus's " + std::to_string(manifest_.total_tokens()) + " tokens");
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) out.push_back(token(offset + i));
  return out;
}

}  // namespace depthscope
