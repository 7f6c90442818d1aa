// Loads the sentencepiece plugin once per process; see sentencepiece_plugin_loader.h.
#include "core/tokenize/sentencepiece_plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace depthscope {
namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.find_last_of('/'));
}

// The plugin's file name in the build (libdepthscope_sentencepiece.so), which install keeps.
std::string plugin_file_name() {
  const std::string built = DEPTHSCOPE_SPM_PLUGIN;
  return built.substr(built.find_last_of('/') + 1);
}

template <typename Fn>
void resolve(void* handle, const char* name, Fn& fn, std::string& error) {
  void* s = dlsym(handle, name);
  if (s == nullptr && error.empty()) error = std::string("plugin lacks ") + name;
  fn = reinterpret_cast<Fn>(s);
}

}  // namespace

const SpmPlugin& spm_plugin() {
  static SpmPlugin p;
  static std::once_flag once;
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("DEPTHSCOPE_SPM_PLUGIN")) candidates.emplace_back(env);
    // The installed layout (<prefix>/bin/depthscope-cli -> <prefix>/lib/depthscope/plugins/), then
    // older relative layouts, then the build tree's own file.
    candidates.push_back(executable_dir() + "/../lib/depthscope/plugins/" + plugin_file_name());
    candidates.push_back(executable_dir() + "/../lib/depthscope_sentencepiece.so");
    candidates.push_back(executable_dir() + "/depthscope_sentencepiece.so");
    candidates.emplace_back(DEPTHSCOPE_SPM_PLUGIN);
    void* h = nullptr;
    for (const auto& c : candidates) {
      h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (h != nullptr) {
        char* resolved = realpath(c.c_str(), nullptr);  // "/usr/lib/...", not "/usr/bin/../lib/..."
        p.path = resolved ? resolved : c;
        std::free(resolved);
        break;
      }
      const char* e = dlerror();
      p.error = e ? e : ("cannot open " + c);
    }
    if (h == nullptr) return;
    p.error.clear();
    resolve(h, "ds_spm_load", p.load, p.error);
    resolve(h, "ds_spm_free", p.free_handle, p.error);
    resolve(h, "ds_spm_encode", p.encode, p.error);
    resolve(h, "ds_spm_decode", p.decode, p.error);
    resolve(h, "ds_spm_piece", p.piece, p.error);
    resolve(h, "ds_spm_vocab_size", p.vocab_size, p.error);
    resolve(h, "ds_spm_bos_id", p.bos_id, p.error);
    resolve(h, "ds_spm_eos_id", p.eos_id, p.error);
    resolve(h, "ds_spm_train", p.train, p.error);
  });
  return p;
}

}  // namespace depthscope
