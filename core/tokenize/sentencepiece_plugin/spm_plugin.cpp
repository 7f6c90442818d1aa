// A tiny plugin around libsentencepiece, loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND).
//
// Why: Debian's libsentencepiece bundles its own protobuf-lite 3.14 and exports its symbols,
// while LibTorch links the system libprotobuf 3.21. Linked into one process the two copies
// interpose and the process crashes before main (seen here). Loaded privately with deep
// binding, sentencepiece uses its own protobuf and the rest of the process never sees it.
// The interface is plain C so nothing C++ crosses the boundary.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

// Exported by libsentencepiece but declared only in its private common.h.
namespace sentencepiece::logging {
int GetMinLogLevel();
void SetMinLogLevel(int v);
}  // namespace sentencepiece::logging

namespace {
int copy_out(const std::string& s, char* out, int cap) {
  if (out != nullptr && cap > 0) {
    const size_t n = std::min(static_cast<size_t>(cap - 1), s.size());
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
  }
  return static_cast<int>(s.size());
}

// The training sentences: one per line of a caller-owned buffer, empty lines skipped.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  LineIterator(const char* data, size_t size) : p_(data), end_(data + size) { Next(); }
  bool done() const override { return done_; }
  void Next() override {
    while (p_ < end_) {
      const char* nl = static_cast<const char*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
      const char* stop = nl != nullptr ? nl : end_;
      line_.assign(p_, stop);
      p_ = nl != nullptr ? nl + 1 : end_;
      if (!line_.empty()) return;
    }
    done_ = true;
  }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }  // OK

 private:
  const char* p_;
  const char* end_;
  std::string line_;
  bool done_ = false;
};

// "key=value" lines -> map (values may hold spaces, e.g. paths).
std::unordered_map<std::string, std::string> parse_options(const char* options) {
  std::unordered_map<std::string, std::string> kwargs;
  std::string all(options != nullptr ? options : "");
  size_t start = 0;
  while (start < all.size()) {
    size_t nl = all.find('\n', start);
    if (nl == std::string::npos) nl = all.size();
    const std::string line = all.substr(start, nl - start);
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kwargs[line.substr(0, eq)] = line.substr(eq + 1);
    start = nl + 1;
  }
  return kwargs;
}
}  // namespace

extern "C" {

// Returns a handle, or nullptr with the reason in err.
__attribute__((visibility("default"))) void* ds_spm_load(const char* bytes, size_t size, char* err, int err_cap) {
  auto* sp = new sentencepiece::SentencePieceProcessor();
  const auto status = sp->LoadFromSerializedProto(std::string(bytes, size));
  if (!status.ok()) {
    copy_out(status.ToString(), err, err_cap);
    delete sp;
    return nullptr;
  }
  return sp;
}

__attribute__((visibility("default"))) void ds_spm_free(void* h) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(h);
}

// Writes up to cap ids; returns the number of ids (may exceed cap), or -1 on error.
__attribute__((visibility("default"))) int ds_spm_encode(void* h, const char* text, size_t len, int* out, int cap) {
  std::vector<int> ids;
  if (!static_cast<sentencepiece::SentencePieceProcessor*>(h)->Encode(std::string(text, len), &ids).ok())
    return -1;
  for (size_t i = 0; i < ids.size() && static_cast<int>(i) < cap; ++i) out[i] = ids[i];
  return static_cast<int>(ids.size());
}

// Writes the decoded text (NUL-terminated, truncated to cap); returns its full length or -1.
__attribute__((visibility("default"))) int ds_spm_decode(void* h, const int* ids, int n, char* out, int cap) {
  std::string text;
  if (!static_cast<sentencepiece::SentencePieceProcessor*>(h)->Decode(std::vector<int>(ids, ids + n), &text).ok())
    return -1;
  return copy_out(text, out, cap);
}

__attribute__((visibility("default"))) int ds_spm_piece(void* h, int id, char* out, int cap) {
  return copy_out(static_cast<sentencepiece::SentencePieceProcessor*>(h)->IdToPiece(id), out, cap);
}

__attribute__((visibility("default"))) int ds_spm_vocab_size(void* h) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(h)->GetPieceSize();
}
__attribute__((visibility("default"))) int ds_spm_bos_id(void* h) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(h)->bos_id();
}
__attribute__((visibility("default"))) int ds_spm_eos_id(void* h) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(h)->eos_id();
}

// Trains a model with SentencePiece's trainer on `sentences` (one per line, `size` bytes).
// `options`: one "key=value" per line, SentencePiece's own option names (model_prefix,
// vocab_size, model_type, ...); the trainer writes <model_prefix>.model and .vocab.
// `seed` seeds the trainer's sampling. Returns 0, or -1 with the reason in err.
__attribute__((visibility("default"))) int ds_spm_train(const char* options, const char* sentences, size_t size,
                                                        unsigned int seed, char* err, int err_cap) {
  const int old_level = sentencepiece::logging::GetMinLogLevel();
  // Silence the trainer's log entirely. Besides its many INFO lines, any log write would crash:
  // under RTLD_DEEPBIND the library's std::cerr binds to libstdc++'s own object, not the
  // executable's copy-relocated (initialised) one, and writing to it segfaults (seen with a
  // warning from the BPE trainer). Problems still come back as the returned Status.
  sentencepiece::logging::SetMinLogLevel(3);
  int rc = 0;
  try {
    sentencepiece::SetRandomGeneratorSeed(seed);
    LineIterator it(sentences, size);
    const auto status = sentencepiece::SentencePieceTrainer::Train(parse_options(options), &it);
    if (!status.ok()) {
      copy_out(status.ToString(), err, err_cap);
      rc = -1;
    }
  } catch (const std::exception& e) {
    copy_out(e.what(), err, err_cap);
    rc = -1;
  } catch (...) {
    copy_out("unknown error in the SentencePiece trainer", err, err_cap);
    rc = -1;
  }
  sentencepiece::logging::SetMinLogLevel(old_level);
  return rc;
}

}  // extern "C"
