#pragma once
// Helpers for the corpus tests: small text files written into a scratch folder.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/test_support.h"

namespace depthscope::test {

inline std::string write_gzip(const std::filesystem::path& path, const std::string& text) {
  gzFile f = gzopen(path.string().c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  return path.string();
}

// `n` paragraphs of distinct text, separated by single blank lines, ending in '\n'.
inline std::string paragraphs(int n, int lines_each = 2) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i > 0) text += "\n";
    for (int l = 0; l < lines_each; ++l)
      text += "Paragraph " + std::to_string(i) + ", line " + std::to_string(l) + ": the quick brown fox.\n";
  }
  return text;
}

}  // namespace depthscope::test
