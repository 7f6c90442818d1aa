#pragma once
// The reference encodings in ../shared/data/tokenizers/<name>/expected.jsonl: one JSON object
// per line with source ("cases.txt" or "fortunes"), line (1-based), text (cases only), ids.
// Fortune lines are read from the Debian file by line number, newline stripped.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace depthscope::test {

inline const char* kFortunesPath = "/usr/share/games/fortunes/fortunes";

struct ReferenceCase {
  std::string source;
  int line = 0;
  std::string text;
  std::vector<std::int64_t> ids;
};

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// All cases of `name`; fortune cases only when the fortunes file exists (`have_fortunes`).
inline std::vector<ReferenceCase> load_reference_cases(const std::string& name, bool& have_fortunes) {
  const std::vector<std::string> fortunes = read_lines(kFortunesPath);
  have_fortunes = !fortunes.empty();
  std::vector<ReferenceCase> cases;
  for (const std::string& row : read_lines(shared_data("tokenizers/" + name + "/expected.jsonl"))) {
    if (row.empty()) continue;
    const auto j = nlohmann::json::parse(row);
    ReferenceCase c;
    c.source = j.at("source").get<std::string>();
    c.line = j.at("line").get<int>();
    c.ids = j.at("ids").get<std::vector<std::int64_t>>();
    if (c.source == "fortunes") {
      if (!have_fortunes) continue;
      c.text = fortunes.at(static_cast<std::size_t>(c.line - 1));
    } else {
      c.text = j.at("text").get<std::string>();
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace depthscope::test
