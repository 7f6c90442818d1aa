#pragma once
// The training CLI tests' corpus: ~20 KB of varied text (300 paragraphs of 12 words from a
// fixed vocabulary, seeded), on which a 2-layer model trains in milliseconds per step.
#include <filesystem>
#include <fstream>
#include <random>

namespace depthscope::test {

inline void write_tiny_corpus(const std::filesystem::path& file) {
  std::ofstream text(file);
  const char* w[] = {"depth", "residual", "stream", "variance", "grows", "with", "each", "layer", "and", "the",
                     "scaling", "keeps", "it", "small", "so", "deep", "blocks", "learn"};
  std::mt19937 rng(1);
  for (int p = 0; p < 300; ++p) {
    for (int i = 0; i < 12; ++i) text << w[rng() % 18] << ' ';
    text << ".\n\n";
  }
}

}  // namespace depthscope::test
