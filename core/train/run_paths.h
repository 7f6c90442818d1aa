#pragma once
// The files and folders a stored run will touch when it is trained or resumed, read from
// its spec_json and its last checkpoint row. A run database may come from someone else
// (a teacher's handout, a colleague's runs): these paths are its author's choice, so they
// are shown to the user before a resume reads or writes them (`runs show`, resume).
// Torch-free.
#include <optional>
#include <string>
#include <vector>

namespace depthscope {

struct RunPath {
  std::string role;     // corpus.dir, corpus.text, corpus.tokenizer, init, checkpoint, run_folder
  std::string path;     // as stored (the store keeps absolute paths; a relative one is shown as is)
  bool writes = false;  // false: read; true: written to (the run's checkpoint folder)
};

// corpus.dir, or every corpus.text file and corpus.tokenizer when it names a file (not
// "bytes", "bpe:N", "unigram:N"); init (the fine-tuning checkpoint); the last checkpoint
// (read on resume) and its parent folder, the run folder (written on resume). Throws
// FileError(source, field, problem) when spec_json is not JSON or a path field is not a
// string (or, for corpus.text, a list of strings).
std::vector<RunPath> run_paths(const std::string& spec_json, const std::optional<std::string>& last_checkpoint,
                               const std::string& source);

}  // namespace depthscope
