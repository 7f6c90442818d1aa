// load_tokenizer / find_tokenizer_for: which file is which format, and where to look.
#include <filesystem>

#include "core/error.h"
#include "core/tokenize/formats.h"
#include "core/tokenize/tokenizer.h"
#include "core/tokenize/tokenizer_json.h"

namespace depthscope {
namespace fs = std::filesystem;
namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The GPT-2 merges file that goes with a vocabulary json in `folder`, or empty.
fs::path merges_beside(const fs::path& folder) {
  for (const char* name : {"vocab.bpe", "merges.txt"})
    if (is_file(folder / name)) return folder / name;
  return {};
}

// The tokenizer in `folder`, in the documented order, or nullptr.
std::unique_ptr<Tokenizer> load_from_folder(const fs::path& folder) {
  if (is_file(folder / "tokenizer.json")) return load_tokenizer_json((folder / "tokenizer.json").string());
  if (is_file(folder / "tokenizer.model")) return load_sentencepiece_model((folder / "tokenizer.model").string());
  for (const char* name : {"encoder.json", "vocab.json"}) {
    const fs::path merges = merges_beside(folder);
    if (is_file(folder / name) && !merges.empty())
      return load_gpt2_bpe((folder / name).string(), merges.string());
  }
  if (is_file(folder / "tokenizer.bin")) return load_llama2c_tokenizer((folder / "tokenizer.bin").string());
  return nullptr;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec)) throw FileError(path, "", "no such file or folder");
  if (fs::is_directory(p, ec)) {
    if (auto t = load_from_folder(p)) return t;
    throw FileError(path, "", "no tokenizer here (looked for tokenizer.json, tokenizer.model, "
                              "encoder.json + vocab.bpe, tokenizer.bin)");
  }
  const std::string name = p.filename().string();
  const std::string ext = p.extension().string();
  if (name == "encoder.json" || name == "vocab.json") {
    const fs::path merges = merges_beside(p.parent_path().empty() ? fs::path(".") : p.parent_path());
    if (merges.empty())
      throw FileError(path, "", "found no vocab.bpe or merges.txt beside it (GPT-2 BPE needs both)");
    return load_gpt2_bpe(path, merges.string());
  }
  if (ext == ".json") return load_tokenizer_json(path);
  if (ext == ".model") return load_sentencepiece_model(path);
  if (ext == ".bin") return load_llama2c_tokenizer(path);
  if (ext == ".gguf") return load_gguf_tokenizer(path);
  throw FileError(path, "", "unknown tokenizer format (expected tokenizer.json, a SentencePiece "
                            ".model, encoder.json, a llama2.c tokenizer.bin or a .gguf file)");
}

std::unique_ptr<Tokenizer> find_tokenizer_for(const std::string& checkpoint_path) {
  const fs::path p(checkpoint_path);
  std::error_code ec;
  // A GGUF checkpoint carries its own tokenizer.
  if (p.extension() == ".gguf" && is_file(p))
    if (auto t = gguf_tokenizer_if_present(checkpoint_path)) return t;
  const fs::path folder = fs::is_directory(p, ec) ? p
                          : p.parent_path().empty() ? fs::path(".") : p.parent_path();
  return load_from_folder(folder);
}

}  // namespace depthscope
