#include "core/tokenize/tokenizer_json.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <stdexcept>
#include <unordered_map>

#include "core/error.h"
#include "core/tokenize/hf_tokenizer.h"
#include "core/tokenize/read_file.h"
#include "core/tokenize/regex.h"
#include "core/tokenize/utf8.h"

namespace depthscope {
namespace {

using nlohmann::json;

// Sequences nest; hostile files must not recurse without bound.
constexpr int kMaxNesting = 32;

class Parser {
 public:
  Parser(const json& root, const std::string& file) : root_(root), file_(file) {}

  std::unique_ptr<Tokenizer> parse() {
    if (!root_.is_object()) fail("", "expected a JSON object at the top level");
    HfTokenizerParts parts;
    const json& model = required(root_, "model", "");
    if (!model.is_object()) fail("model", "expected an object");
    if (model.contains("type") && !model["type"].is_null()) {
      const std::string type = string_field(model, "type", "model");
      if (type != "BPE")
        fail("model.type", "unsupported model type '" + type +
                               "' (DepthScope reads BPE tokenizer.json files)");
    }
    parse_vocab(model, parts);
    parse_added_tokens(parts);
    parse_model(model, parts);
    if (has(root_, "normalizer")) parts.normalizer = parse_normalizer(root_["normalizer"], "normalizer", 0);
    if (has(root_, "pre_tokenizer"))
      parts.pre_tokenizer = parse_pre_tokenizer(root_["pre_tokenizer"], "pre_tokenizer", 0);
    if (has(root_, "decoder")) parts.decoder = parse_decoder(root_["decoder"], "decoder", 0);
    find_bos_eos(parts);
    parts.description = (byte_level_ ? "byte-level BPE" : byte_fallback_ ? "SentencePiece-style BPE" : "BPE") +
                        std::string(" (tokenizer.json)");
    return std::make_unique<HfTokenizer>(std::move(parts));
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw FileError(file_, field, problem);
  }
  static bool has(const json& obj, const char* key) {
    return obj.contains(key) && !obj[key].is_null();
  }
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  const json& required(const json& obj, const char* key, const std::string& path) const {
    if (!obj.contains(key)) fail(join(path, key), "missing");
    return obj[key];
  }
  std::string string_field(const json& obj, const char* key, const std::string& path) const {
    const json& v = required(obj, key, path);
    if (!v.is_string()) fail(join(path, key), "expected a string");
    return v.get<std::string>();
  }
  bool bool_field(const json& obj, const char* key, const std::string& path, bool fallback) const {
    if (!has(obj, key)) return fallback;
    if (!obj[key].is_boolean()) fail(join(path, key), "expected true or false");
    return obj[key].get<bool>();
  }
  int int_field(const json& obj, const char* key, const std::string& path, int fallback) const {
    if (!has(obj, key)) return fallback;
    const json& v = obj[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1000000)
      fail(join(path, key), "expected a small non-negative integer");
    return v.get<int>();
  }
  std::int32_t token_id(const json& v, const std::string& field) const {
    if (!v.is_number_integer()) fail(field, "expected an integer token id");
    const std::int64_t id = v.get<std::int64_t>();
    if (id < 0 || id > id_limit_)
      fail(field, "token id " + std::to_string(id) + " is out of range (the file has " +
                      std::to_string(entry_count_) + " tokens)");
    return static_cast<std::int32_t>(id);
  }
  static std::string quoted(const std::string& token) { return "'" + token + "'"; }

  void parse_vocab(const json& model, HfTokenizerParts& parts) {
    const json& vocab = required(model, "vocab", "model");
    if (!vocab.is_object()) fail("model.vocab", "expected an object of token -> id");
    std::size_t added = root_.contains("added_tokens") && root_["added_tokens"].is_array()
                            ? root_["added_tokens"].size() : 0;
    entry_count_ = vocab.size() + added;
    // Ids are dense in real files; a generous bound keeps a hostile id from allocating gigabytes.
    id_limit_ = 2 * static_cast<std::int64_t>(entry_count_) + 1024;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const std::int32_t id = token_id(it.value(), "model.vocab[" + quoted(it.key()) + "]");
      vocab_[it.key()] = id;
      set_token(parts, id, it.key());
    }
  }

  void set_token(HfTokenizerParts& parts, std::int32_t id, const std::string& token) {
    if (parts.token_of_id.size() <= static_cast<std::size_t>(id)) parts.token_of_id.resize(id + 1);
    parts.token_of_id[id] = token;
  }

  void parse_added_tokens(HfTokenizerParts& parts) {
    if (!has(root_, "added_tokens")) return;
    const json& list = root_["added_tokens"];
    if (!list.is_array()) fail("added_tokens", "expected an array");
    for (std::size_t k = 0; k < list.size(); ++k) {
      const std::string field = "added_tokens[" + std::to_string(k) + "]";
      const json& t = list[k];
      if (!t.is_object()) fail(field, "expected an object");
      AddedToken token;
      token.id = token_id(required(t, "id", field), field + ".id");
      token.content = string_field(t, "content", field);
      if (token.content.empty()) fail(field + ".content", "empty added token");
      token.special = bool_field(t, "special", field, false);
      set_token(parts, token.id, token.content);
      added_ids_[token.content] = token.id;
      parts.added_tokens.push_back(std::move(token));
    }
  }

  void parse_model(const json& model, HfTokenizerParts& parts) {
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
      if (has(model, key) && !(model[key].is_string() && model[key].get<std::string>().empty()))
        fail(join("model", key), "not supported by DepthScope (expected null)");
    BpeModel::Options options;
    options.byte_fallback = byte_fallback_ = bool_field(model, "byte_fallback", "model", false);
    options.fuse_unk = bool_field(model, "fuse_unk", "model", false);
    options.ignore_merges = bool_field(model, "ignore_merges", "model", false);
    if (has(model, "unk_token")) {
      const std::string unk = string_field(model, "unk_token", "model");
      auto it = vocab_.find(unk);
      if (it != vocab_.end()) options.unk_id = it->second;
    }
    const json& merges = required(model, "merges", "model");
    if (!merges.is_array()) fail("model.merges", "expected an array");
    std::vector<BpeModel::Merge> resolved;
    resolved.reserve(merges.size());
    for (std::size_t k = 0; k < merges.size(); ++k) {
      const std::string field = "model.merges[" + std::to_string(k) + "]";
      std::string left, right;
      const json& m = merges[k];
      if (m.is_string()) {  // "left right" (tokenizers < 0.20)
        const std::string s = m.get<std::string>();
        const std::size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
          fail(field, "expected two tokens separated by one space, got " + quoted(s));
        left = s.substr(0, space);
        right = s.substr(space + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        left = m[0].get<std::string>();  // ["left", "right"] (tokenizers >= 0.20)
        right = m[1].get<std::string>();
      } else {
        fail(field, "expected \"left right\" or [\"left\", \"right\"]");
      }
      resolved.push_back({vocab_id(left, field), vocab_id(right, field), 0});
      const std::string merged = left + right;
      auto it = vocab_.find(merged);
      if (it == vocab_.end())
        fail(field, "the merged token " + quoted(merged) + " is not in model.vocab");
      resolved.back().merged = it->second;
    }
    parts.model = std::make_unique<BpeModel>(vocab_, resolved, options);
  }

  std::int32_t vocab_id(const std::string& token, const std::string& field) const {
    auto it = vocab_.find(token);
    if (it == vocab_.end()) fail(field, "token " + quoted(token) + " is not in model.vocab");
    return it->second;
  }

  // {"String": "..."} or {"Regex": "..."} -> a compiled pattern.
  std::shared_ptr<const Regex> pattern(const json& step, const std::string& path) {
    const json& p = required(step, "pattern", path);
    const std::string field = join(path, "pattern");
    if (!p.is_object()) fail(field, "expected {\"String\": ...} or {\"Regex\": ...}");
    std::string regex;
    if (p.contains("Regex") && p["Regex"].is_string()) {
      regex = p["Regex"].get<std::string>();
    } else if (p.contains("String") && p["String"].is_string()) {
      for (char c : p["String"].get<std::string>()) {  // a literal: escape ASCII punctuation
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && !std::isalnum(u)) regex += '\\';
        regex += c;
      }
    } else {
      fail(field, "expected {\"String\": ...} or {\"Regex\": ...}");
    }
    if (regex.empty()) fail(field, "empty pattern");
    try {
      return std::make_shared<Regex>(regex);
    } catch (const std::invalid_argument& e) {
      fail(field, e.what());
    }
  }

  std::string literal_pattern(const json& step, const std::string& path) const {
    const json& p = required(step, "pattern", path);
    if (!p.is_object() || !p.contains("String") || !p["String"].is_string())
      fail(join(path, "pattern"), "only {\"String\": ...} patterns are supported here");
    return p["String"].get<std::string>();
  }

  std::string type_of(const json& step, const std::string& path) const {
    if (!step.is_object()) fail(path, "expected an object");
    return string_field(step, "type", path);
  }

  // Metaspace's prepend rule: prepend_scheme (tokenizers >= 0.19) or add_prefix_space.
  PrependScheme prepend_scheme(const json& step, const std::string& path) const {
    if (has(step, "prepend_scheme")) {
      const std::string s = string_field(step, "prepend_scheme", path);
      if (s == "always") return PrependScheme::always;
      if (s == "first") return PrependScheme::first;
      if (s == "never") return PrependScheme::never;
      fail(join(path, "prepend_scheme"), "expected always, first or never, got " + quoted(s));
    }
    return bool_field(step, "add_prefix_space", path, true) ? PrependScheme::always
                                                            : PrependScheme::never;
  }
  std::string replacement(const json& step, const std::string& path) const {
    if (has(step, "replacement")) return string_field(step, "replacement", path);
    if (has(step, "str_rep")) return string_field(step, "str_rep", path);
    return "\xE2\x96\x81";  // "▁"
  }

  template <class Step, class ParseOne>
  std::vector<std::unique_ptr<Step>> sequence(const json& step, const char* key,
                                              const std::string& path, int depth,
                                              ParseOne parse_one) {
    const json& list = required(step, key, path);
    if (!list.is_array()) fail(join(path, key), "expected an array");
    std::vector<std::unique_ptr<Step>> steps;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const std::string field = join(path, key) + "[" + std::to_string(k) + "]";
      if (!list[k].is_null()) steps.push_back(parse_one(list[k], field, depth + 1));
    }
    return steps;
  }

  void check_depth(int depth, const std::string& path) const {
    if (depth > kMaxNesting) fail(path, "Sequence nested too deeply");
  }

  std::unique_ptr<Normalizer> parse_normalizer(const json& step, const std::string& path, int depth) {
    check_depth(depth, path);
    const std::string type = type_of(step, path);
    if (type == "Sequence")
      return make_sequence_normalizer(sequence<Normalizer>(
          step, "normalizers", path, depth,
          [this](const json& s, const std::string& p, int d) { return parse_normalizer(s, p, d); }));
    if (type == "Prepend") return make_prepend_normalizer(string_field(step, "prepend", path));
    if (type == "Replace")
      return make_replace_normalizer(literal_pattern(step, path), string_field(step, "content", path));
    if (type == "NFC") return make_nfc_passthrough_normalizer();
    fail(join(path, "type"), "unsupported normalizer " + quoted(type));
  }

  std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const json& step, const std::string& path,
                                                    int depth) {
    check_depth(depth, path);
    const std::string type = type_of(step, path);
    if (type == "Sequence")
      return make_sequence_pre_tokenizer(sequence<PreTokenizer>(
          step, "pretokenizers", path, depth, [this](const json& s, const std::string& p, int d) {
            return parse_pre_tokenizer(s, p, d);
          }));
    if (type == "ByteLevel") {
      byte_level_ = true;
      return make_byte_level_pre_tokenizer(bool_field(step, "add_prefix_space", path, true),
                                           bool_field(step, "use_regex", path, true));
    }
    if (type == "Split") {
      const std::string b = string_field(step, "behavior", path);
      SplitBehavior behavior;
      if (b == "Removed") behavior = SplitBehavior::removed;
      else if (b == "Isolated") behavior = SplitBehavior::isolated;
      else if (b == "MergedWithPrevious") behavior = SplitBehavior::merged_with_previous;
      else if (b == "MergedWithNext") behavior = SplitBehavior::merged_with_next;
      else if (b == "Contiguous") behavior = SplitBehavior::contiguous;
      else fail(join(path, "behavior"), "unknown split behavior " + quoted(b));
      return make_split_pre_tokenizer(pattern(step, path), behavior,
                                      bool_field(step, "invert", path, false));
    }
    if (type == "Metaspace")
      return make_metaspace_pre_tokenizer(replacement(step, path), prepend_scheme(step, path),
                                          bool_field(step, "split", path, true));
    if (type == "Digits") {
      const bool single = bool_field(step, "individual_digits", path, false);
      return make_split_pre_tokenizer(std::make_shared<Regex>(single ? R"(\p{N})" : R"(\p{N}+)"),
                                      SplitBehavior::isolated, false);
    }
    if (type == "WhitespaceSplit")
      return make_split_pre_tokenizer(std::make_shared<Regex>(R"(\s+)"), SplitBehavior::removed,
                                      false);
    if (type == "Whitespace")
      return make_split_pre_tokenizer(std::make_shared<Regex>(R"(\w+|[^\w\s]+)"),
                                      SplitBehavior::removed, true);
    fail(join(path, "type"), "unsupported pre-tokenizer " + quoted(type));
  }

  std::unique_ptr<Decoder> parse_decoder(const json& step, const std::string& path, int depth) {
    check_depth(depth, path);
    const std::string type = type_of(step, path);
    if (type == "Sequence")
      return make_sequence_decoder(sequence<Decoder>(
          step, "decoders", path, depth,
          [this](const json& s, const std::string& p, int d) { return parse_decoder(s, p, d); }));
    if (type == "ByteLevel") return make_byte_level_decoder();
    if (type == "Replace")
      return make_replace_decoder(literal_pattern(step, path), string_field(step, "content", path));
    if (type == "ByteFallback") return make_byte_fallback_decoder();
    if (type == "Fuse") return make_fuse_decoder();
    if (type == "Strip")
      return make_strip_decoder(string_field(step, "content", path), int_field(step, "start", path, 0),
                                int_field(step, "stop", path, 0));
    if (type == "Metaspace")
      return make_metaspace_decoder(replacement(step, path), prepend_scheme(step, path));
    fail(join(path, "type"), "unsupported decoder " + quoted(type));
  }

  std::optional<std::int64_t> id_of_any(std::initializer_list<const char*> names) const {
    for (const char* name : names) {
      if (auto it = added_ids_.find(name); it != added_ids_.end()) return it->second;
      if (auto it = vocab_.find(name); it != vocab_.end()) return it->second;
    }
    return std::nullopt;
  }

  // BOS: the special token a TemplateProcessing post-processor puts first; otherwise a
  // conventional name. EOS: a conventional name.
  void find_bos_eos(HfTokenizerParts& parts) const {
    const json* post = root_.contains("post_processor") ? &root_["post_processor"] : nullptr;
    if (post && post->is_object() && post->contains("single") && (*post)["single"].is_array() &&
        !(*post)["single"].empty()) {
      const json& first = (*post)["single"][0];
      if (first.is_object() && first.contains("SpecialToken") && first["SpecialToken"].is_object() &&
          first["SpecialToken"].contains("id") && first["SpecialToken"]["id"].is_string()) {
        const std::string name = first["SpecialToken"]["id"].get<std::string>();
        if (auto it = added_ids_.find(name); it != added_ids_.end()) parts.bos_id = it->second;
        else if (auto v = vocab_.find(name); v != vocab_.end()) parts.bos_id = v->second;
      }
    }
    if (!parts.bos_id) parts.bos_id = id_of_any({"<s>", "<|begin_of_text|>", "<bos>"});
    parts.eos_id = id_of_any({"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "<|im_end|>"});
  }

  const json& root_;
  const std::string& file_;
  std::unordered_map<std::string, std::int32_t> vocab_;
  std::unordered_map<std::string, std::int32_t> added_ids_;
  std::size_t entry_count_ = 0;
  std::int64_t id_limit_ = 0;
  bool byte_level_ = false;
  bool byte_fallback_ = false;
};

}  // namespace

std::unique_ptr<Tokenizer> parse_tokenizer_json(std::string_view bytes, const std::string& file) {
  const std::size_t bad = utf8::first_invalid(bytes);
  if (bad != std::string_view::npos)
    throw FileError(file, "byte " + std::to_string(bad),
                    "invalid UTF-8 (a tokenizer.json must be UTF-8 text)");
  json root;
  try {
    root = json::parse(bytes.begin(), bytes.end());
  } catch (const json::parse_error& e) {
    throw FileError(file, "JSON at byte " + std::to_string(e.byte), "malformed JSON: " + std::string(e.what()));
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    throw FileError(file, "JSON", "unreadable JSON: " + std::string(e.what()));
  }
  return Parser(root, file).parse();
}

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::string& path) {
  return parse_tokenizer_json(read_file_bytes(path), path);
}

}  // namespace depthscope
