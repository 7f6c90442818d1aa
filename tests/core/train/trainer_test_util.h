#pragma once
// Helpers for the trainer tests: a small bytes corpus and a spec of a tiny model over it.
#include <filesystem>
#include <fstream>
#include <string>

#include "core/train/corpus_builder.h"
#include "tests/test_support.h"

namespace depthscope::test {

// A bytes corpus of ~30 KB of varied English sentences.
inline std::string small_corpus(const std::filesystem::path& dir) {
  const std::filesystem::path text = dir / "text.txt";
  std::ofstream out(text);
  const char* words[] = {"depth", "residual", "stream", "variance", "grows", "with", "each", "layer",
                         "and", "the", "scaling", "keeps", "it", "small", "so", "deep", "blocks", "learn"};
  for (int i = 0; i < 3000; ++i) {
    out << words[(i * 7) % 18] << ' ' << words[(i * 11 + 3) % 18] << ' ' << words[(i * 5 + 1) % 18];
    out << ((i % 9 == 8) ? ".\n\n" : " ");
  }
  out.close();
  CorpusOptions o;
  o.text_files = {text.string()};
  o.validation_fraction = 0.1;
  build_corpus(o, (dir / "corpus").string());
  return (dir / "corpus").string();
}

inline std::string spec_text(const std::string& corpus_dir, const std::string& extra = "") {
  return R"({"name": "t", "model": {"layers": 2, "hidden": 32, "heads": 2, "ffn": 64},
             "schemes": ["pre", "lns"], "corpus": {"dir": ")" + corpus_dir + R"("},
             "steps": 12, "batch": 2, "seq": 16, "eval_every": 4, "eval_tokens": 256,
             "layer_metrics_every": 3, "checkpoint_every": 5, "seed": 3)" + extra + "}";
}

}  // namespace depthscope::test
