#pragma once
// Where an installed DepthScope keeps its files, found relative to the running executable so
// that a package (/usr), `cmake --install` into any prefix, or a DESTDIR staging folder all
// work without environment variables (issue 14):
//   <prefix>/bin/depthscope, depthscope-cli
//   <prefix>/lib/depthscope/plugins/libdepthscope_sentencepiece.so   (core/tokenize/sentencepiece_plugin_loader)
//   <prefix>/share/depthscope/specs/*.json, examples/{pre-ln,lns}/
// In the build tree the same files are found in the source tree's resources/.
#include <string>

namespace depthscope {

// The folder of the running executable (from /proc/self/exe); "." when it cannot be read.
std::string executable_dir();

// The folder with specs/ and examples/: <exe dir>/../share/depthscope when it exists, else
// the source tree's resources/ (this file's own path), else an empty string.
std::string data_dir();

// A training spec named on the command line: the path itself when it is a file; otherwise a
// bare name ("tiny-pair" or "tiny-pair.json") in data_dir()/specs. Empty when neither exists.
std::string find_spec(const std::string& name_or_path);

}  // namespace depthscope
