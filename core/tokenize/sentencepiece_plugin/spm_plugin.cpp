// A tiny plugin around libsentencepiece, loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND).
//
// Why: Debian's libsentencepiece bundles its own protobuf-lite 3.14 and exports its symbols,
// while LibTorch links the system libprotobuf 3.21. Linked into one process the two copies
// interpose and the process crashes before main (seen here). Loaded privately with deep
// binding, sentencepiece uses its own protobuf and the rest of the process never sees it.
// The interface is plain C so nothing C++ crosses the boundary.
#include <sentencepiece_processor.h>

#include <cstring>
#include <string>
#include <vector>

namespace {
int copy_out(const std::string& s, char* out, int cap) {
  if (out != nullptr && cap > 0) {
    const size_t n = std::min(static_cast<size_t>(cap - 1), s.size());
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
  }
  return static_cast<int>(s.size());
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

}  // extern "C"
