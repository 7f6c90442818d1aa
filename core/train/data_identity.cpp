#include "core/train/data_identity.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/train/corpus_manifest.h"
#include "core/train/corpus_sha256.h"
#include "core/train/train_spec.h"

namespace depthscope {

namespace {

namespace fs = std::filesystem;

// The file's name and size, then its bytes, so two files cannot trade bytes unnoticed.
void hash_file(Sha256& h, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "", "cannot be read to check the training data's identity");
  h.update(fs::path(path).filename().string());
  std::error_code ec;
  h.update(std::to_string(fs::file_size(path, ec)));
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw FileError(path, "", "a read failed while checking the training data's identity");
}

}  // namespace

std::string data_identity_sha256(const TrainSpec& spec) {
  Sha256 h;
  if (spec.data_format == "jsonl") {
    for (const std::string& f : spec.corpus_text.text_files) hash_file(h, f);
    if (!spec.jsonl_tokenizer.empty() && spec.jsonl_tokenizer != "bytes") hash_file(h, spec.jsonl_tokenizer);
  } else {
    const std::string manifest = (fs::path(spec.corpus_dir) / "corpus.json").string();
    hash_file(h, manifest);
    hash_file(h, (fs::path(spec.corpus_dir) / read_corpus_manifest(manifest).tokens_file).string());
  }
  return h.hex_digest();
}

}  // namespace depthscope
