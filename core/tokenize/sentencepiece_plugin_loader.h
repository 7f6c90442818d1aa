#pragma once
// The C interface of the sentencepiece plugin (core/tokenize/sentencepiece_plugin/), resolved
// once per process with dlopen(RTLD_LOCAL | RTLD_DEEPBIND). Shared by the .model tokenizer
// (sentencepiece_tokenizer.cpp) and the trainer wrapper (sentencepiece_trainer.cpp).
// Never include <sentencepiece_processor.h> in core: see DEVELOPERS.md.
#include <cstddef>
#include <string>

namespace depthscope {

struct SpmPlugin {
  void* (*load)(const char*, size_t, char*, int) = nullptr;
  void (*free_handle)(void*) = nullptr;
  int (*encode)(void*, const char*, size_t, int*, int) = nullptr;
  int (*decode)(void*, const int*, int, char*, int) = nullptr;
  int (*piece)(void*, int, char*, int) = nullptr;
  int (*vocab_size)(void*) = nullptr;
  int (*bos_id)(void*) = nullptr;
  int (*eos_id)(void*) = nullptr;
  // (options "key=value" lines, sentences, size, seed, err, err_cap) -> 0 or -1.
  int (*train)(const char*, const char*, size_t, unsigned int, char*, int) = nullptr;
  std::string error;  // why it could not be loaded; empty when every function resolved
  std::string path;   // the file that was loaded (empty when none could be)
  bool ok() const { return error.empty() && load != nullptr; }
};

// The plugin, loaded on first use. Looks at $DEPTHSCOPE_SPM_PLUGIN, then relative to the
// executable (../lib/depthscope/plugins/libdepthscope_sentencepiece.so as installed, ../lib/, its
// own folder), then the build tree's path.
const SpmPlugin& spm_plugin();

}  // namespace depthscope
