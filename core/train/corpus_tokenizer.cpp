#include "core/train/corpus_tokenizer.h"

#include <filesystem>

#include "core/error.h"
#include "core/tokenize/sentencepiece_trainer.h"

namespace depthscope {
namespace fs = std::filesystem;
namespace {

constexpr std::int64_t kMaxTrainedVocab = 1 << 20;

std::int64_t parse_vocab(const std::string& spec, const std::string& number) {
  const std::string hint = " (expected bytes, bpe:N, unigram:N with N a vocabulary size such as 4096, "
                           "or a tokenizer file)";
  if (number.empty() || number.size() > 9 || number.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("tokenizer '" + spec + "': '" + number + "' is not a vocabulary size" + hint);
  const std::int64_t n = std::stoll(number);
  if (n < kMinSentencePieceVocab)
    throw UsageError("tokenizer '" + spec + "': a vocabulary of " + number +
                     " is too small; it must hold <unk>, <s>, </s> and the 256 byte pieces, so use at least " +
                     std::to_string(kMinSentencePieceVocab) + " (e.g. " + spec.substr(0, spec.find(':')) + ":4096)");
  if (n > kMaxTrainedVocab)
    throw UsageError("tokenizer '" + spec + "': a vocabulary of " + number + " is larger than " +
                     std::to_string(kMaxTrainedVocab) + ", the most DepthScope trains");
  return n;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

void copy_one(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (fs::exists(to, ec) && fs::equivalent(from, to, ec)) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw FileError(to.string(), "", "cannot copy the tokenizer " + from.string() + " here: " + ec.message());
}

fs::path merges_beside(const fs::path& folder) {
  for (const char* name : {"vocab.bpe", "merges.txt"})
    if (is_file(folder / name)) return folder / name;
  return {};
}

// encoder.json / vocab.json + its merges file.
std::string copy_gpt2(const fs::path& vocab, const fs::path& dir) {
  const fs::path merges = merges_beside(vocab.parent_path().empty() ? fs::path(".") : vocab.parent_path());
  if (merges.empty())
    throw FileError(vocab.string(), "", "found no vocab.bpe or merges.txt beside it (GPT-2 BPE needs both)");
  copy_one(vocab, dir / vocab.filename());
  copy_one(merges, dir / merges.filename());
  return vocab.filename().string();
}

}  // namespace

TokenizerChoice TokenizerChoice::parse(const std::string& spec) {
  TokenizerChoice c;
  c.spec = spec;
  if (spec == "bytes") return c;
  for (auto [prefix, kind] : {std::pair{"bpe:", Kind::bpe}, std::pair{"unigram:", Kind::unigram}}) {
    const std::string p(prefix);
    if (spec.compare(0, p.size(), p) == 0) {
      c.kind = kind;
      c.vocab_size = parse_vocab(spec, spec.substr(p.size()));
      return c;
    }
  }
  std::error_code ec;
  if (spec.empty() || !fs::exists(spec, ec))
    throw UsageError("tokenizer '" + spec + "': no such file or folder (expected bytes, bpe:N, unigram:N, "
                     "or a tokenizer file: tokenizer.json, a .model, encoder.json, tokenizer.bin)");
  c.kind = Kind::file;
  c.path = spec;
  return c;
}

const char* TokenizerChoice::kind_name() const {
  switch (kind) {
    case Kind::bytes: return "bytes";
    case Kind::bpe: return "bpe";
    case Kind::unigram: return "unigram";
    case Kind::file: return "file";
  }
  return "?";
}

std::string copy_tokenizer_into(const std::string& path, const std::string& dir_name) {
  const fs::path p(path), dir(dir_name);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {  // the order load_tokenizer uses for a folder
    if (is_file(p / "tokenizer.json")) return copy_tokenizer_into((p / "tokenizer.json").string(), dir_name);
    if (is_file(p / "tokenizer.model")) return copy_tokenizer_into((p / "tokenizer.model").string(), dir_name);
    for (const char* name : {"encoder.json", "vocab.json"})
      if (is_file(p / name) && !merges_beside(p).empty()) return copy_gpt2(p / name, dir);
    if (is_file(p / "tokenizer.bin")) return copy_tokenizer_into((p / "tokenizer.bin").string(), dir_name);
    throw FileError(path, "", "no tokenizer here (looked for tokenizer.json, tokenizer.model, "
                              "encoder.json + vocab.bpe, tokenizer.bin)");
  }
  const std::string name = p.filename().string(), ext = p.extension().string();
  if (name == "encoder.json" || name == "vocab.json") return copy_gpt2(p, dir);
  const std::string target = ext == ".json" ? "tokenizer.json" : ext == ".model" ? "tokenizer.model"
                             : ext == ".bin" ? "tokenizer.bin" : "";
  if (target.empty())
    throw FileError(path, "", "unknown tokenizer format (expected tokenizer.json, a SentencePiece .model, "
                              "encoder.json or a llama2.c tokenizer.bin)");
  copy_one(p, dir / target);
  return target;
}

std::vector<std::int64_t> document_separator(const Tokenizer& tokenizer) {
  if (const auto eos = tokenizer.eos_id()) return {*eos};
  return tokenizer.encode("\n");
}

}  // namespace depthscope
