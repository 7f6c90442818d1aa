#include "core/tokenize/hf_tokenizer.h"

#include <algorithm>

#include "core/error.h"

namespace depthscope {

HfTokenizer::HfTokenizer(HfTokenizerParts parts) : parts_(std::move(parts)) {
  for (const AddedToken& t : parts_.added_tokens)
    if (!t.content.empty())
      added_by_first_byte_[static_cast<unsigned char>(t.content[0])].push_back(&t);
  for (auto& list : added_by_first_byte_)
    std::stable_sort(list.begin(), list.end(), [](const AddedToken* a, const AddedToken* b) {
      return a->content.size() > b->content.size();
    });
}

const AddedToken* HfTokenizer::added_token_at(const std::string& text, std::size_t at) const {
  for (const AddedToken* t : added_by_first_byte_[static_cast<unsigned char>(text[at])])
    if (text.compare(at, t->content.size(), t->content) == 0) return t;
  return nullptr;
}

std::vector<std::int64_t> HfTokenizer::encode(const std::string& text) const {
  std::vector<std::int64_t> ids;
  std::size_t plain_begin = 0;
  for (std::size_t at = 0; at < text.size();) {
    const AddedToken* t = added_token_at(text, at);
    if (!t) {
      ++at;
      continue;
    }
    encode_plain(text.substr(plain_begin, at - plain_begin), ids);
    ids.push_back(t->id);
    at += t->content.size();
    plain_begin = at;
  }
  encode_plain(text.substr(plain_begin), ids);
  return ids;
}

void HfTokenizer::encode_plain(const std::string& text, std::vector<std::int64_t>& out) const {
  if (text.empty()) return;
  std::string normalized = parts_.normalizer ? parts_.normalizer->apply(text) : text;
  std::vector<std::string> words{std::move(normalized)};
  if (parts_.pre_tokenizer) words = parts_.pre_tokenizer->apply(std::move(words));
  for (const std::string& word : words)
    for (std::int32_t id : parts_.model->encode_word(word)) out.push_back(id);
}

std::string HfTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (std::int64_t id : ids) {
    check_id(id);
    tokens.push_back(parts_.token_of_id[static_cast<std::size_t>(id)]);
  }
  if (!parts_.decoder) {
    std::string out;
    for (std::size_t k = 0; k < tokens.size(); ++k) out += (k ? " " : "") + tokens[k];
    return out;
  }
  std::string out;
  for (const std::string& t : parts_.decoder->apply(std::move(tokens))) out += t;
  return out;
}

}  // namespace depthscope
