#include "core/train/run_paths.h"

#include <filesystem>

#include "core/error.h"
#include "core/io/json_text.h"

namespace depthscope {

namespace {

bool names_a_file(const std::string& tokenizer) {
  return !tokenizer.empty() && tokenizer != "bytes" && tokenizer.rfind("bpe:", 0) != 0 &&
         tokenizer.rfind("unigram:", 0) != 0;
}

}  // namespace

std::vector<RunPath> run_paths(const std::string& spec_json, const std::optional<std::string>& last_checkpoint,
                               const std::string& source) {
  const nlohmann::json spec = parse_json_text(spec_json, source);
  if (!spec.is_object()) throw FileError(source, "spec", "must be a JSON object");
  std::vector<RunPath> out;
  auto string_at = [&](const nlohmann::json& j, const std::string& field) {
    if (!j.is_string()) throw FileError(source, field, "must be a path (a string)");
    return j.get<std::string>();
  };
  if (spec.contains("corpus")) {
    const nlohmann::json& corpus = spec["corpus"];
    if (!corpus.is_object()) throw FileError(source, "corpus", "must be a JSON object");
    if (corpus.contains("dir")) out.push_back({"corpus.dir", string_at(corpus["dir"], "corpus.dir"), false});
    if (corpus.contains("text")) {
      const nlohmann::json& text = corpus["text"];
      if (text.is_array()) {
        for (std::size_t i = 0; i < text.size(); ++i)
          out.push_back({"corpus.text", string_at(text[i], "corpus.text[" + std::to_string(i) + "]"), false});
      } else {
        out.push_back({"corpus.text", string_at(text, "corpus.text"), false});
      }
    }
    if (corpus.contains("tokenizer")) {
      const std::string t = string_at(corpus["tokenizer"], "corpus.tokenizer");
      if (names_a_file(t)) out.push_back({"corpus.tokenizer", t, false});
    }
  }
  if (spec.contains("init")) {
    const std::string init = string_at(spec["init"], "init");
    if (!init.empty()) out.push_back({"init", init, false});
  }
  if (last_checkpoint && !last_checkpoint->empty()) {
    out.push_back({"checkpoint", *last_checkpoint, false});
    const std::string folder = std::filesystem::path(*last_checkpoint).parent_path().string();
    if (!folder.empty()) out.push_back({"run_folder", folder, true});
  }
  return out;
}

}  // namespace depthscope
