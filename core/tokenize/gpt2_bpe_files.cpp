#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/tokenize/formats.h"
#include "core/tokenize/hf_tokenizer.h"
#include "core/tokenize/read_file.h"
#include "core/tokenize/utf8.h"

namespace depthscope {
namespace {

// encoder.json: {"token": id, ...}
std::unordered_map<std::string, std::int32_t> read_encoder(const std::string& path,
                                                           std::vector<std::string>& token_of_id) {
  const std::string bytes = read_file_bytes(path);
  const std::size_t bad = utf8::first_invalid(bytes);
  if (bad != std::string::npos)
    throw FileError(path, "byte " + std::to_string(bad), "invalid UTF-8");
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& e) {
    throw FileError(path, "JSON at byte " + std::to_string(e.byte), "malformed JSON: " + std::string(e.what()));
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    throw FileError(path, "JSON", "unreadable JSON: " + std::string(e.what()));
  }
  if (!root.is_object()) throw FileError(path, "", "expected a JSON object of token -> id");
  const std::int64_t id_limit = 2 * static_cast<std::int64_t>(root.size()) + 1024;
  std::unordered_map<std::string, std::int32_t> vocab;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const auto& v = it.value();
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > id_limit)
      throw FileError(path, "'" + it.key() + "'", "expected a token id between 0 and " +
                                                     std::to_string(id_limit));
    const auto id = static_cast<std::int32_t>(v.get<std::int64_t>());
    vocab[it.key()] = id;
    if (token_of_id.size() <= static_cast<std::size_t>(id)) token_of_id.resize(id + 1);
    token_of_id[id] = it.key();
  }
  return vocab;
}

// vocab.bpe: "#version: 0.2" then "left right" per line, best merge first.
std::vector<BpeModel::Merge> read_merges(const std::string& path,
                                         const std::unordered_map<std::string, std::int32_t>& vocab) {
  const std::string bytes = read_file_bytes(path);
  std::vector<BpeModel::Merge> merges;
  std::size_t line_no = 0;
  const auto id_of = [&](const std::string& token, const std::string& field) {
    auto it = vocab.find(token);
    if (it == vocab.end())
      throw FileError(path, field, "token '" + token + "' is not in the encoder");
    return it->second;
  };
  for (std::size_t begin = 0; begin < bytes.size();) {
    std::size_t end = bytes.find('\n', begin);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    const std::string field = "line " + std::to_string(line_no);
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
      throw FileError(path, field, "expected two tokens separated by one space");
    const std::string left = line.substr(0, space), right = line.substr(space + 1);
    merges.push_back({id_of(left, field), id_of(right, field), id_of(left + right, field)});
  }
  return merges;
}

}  // namespace

std::unique_ptr<Tokenizer> load_gpt2_bpe(const std::string& encoder_json_path,
                                         const std::string& vocab_bpe_path) {
  HfTokenizerParts parts;
  auto vocab = read_encoder(encoder_json_path, parts.token_of_id);
  const auto merges = read_merges(vocab_bpe_path, vocab);
  if (auto it = vocab.find("<|endoftext|>"); it != vocab.end()) {
    parts.added_tokens.push_back({it->first, it->second, true});
    parts.bos_id = parts.eos_id = it->second;
  }
  parts.model = std::make_unique<BpeModel>(std::move(vocab), merges, BpeModel::Options{});
  parts.pre_tokenizer = make_byte_level_pre_tokenizer(/*add_prefix_space=*/false, /*use_regex=*/true);
  parts.decoder = make_byte_level_decoder();
  parts.description = "byte-level BPE (encoder.json + vocab.bpe)";
  return std::make_unique<HfTokenizer>(std::move(parts));
}

}  // namespace depthscope
