#include "core/train/corpus_manifest.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/tokenize/read_file.h"

namespace depthscope {
namespace {
using nlohmann::json;

nlohmann::ordered_json region_json(const CorpusRegion& r) {
  return {{"offset", r.offset}, {"tokens", r.tokens}, {"documents", r.documents}};
}

// Field access that names the field in every error.
class Reader {
 public:
  Reader(const json& root, std::string path) : root_(root), path_(std::move(path)) {}

  const json& at(const std::string& field) const {
    const json* node = &root_;
    std::size_t start = 0;
    for (;;) {
      const std::size_t dot = field.find('.', start);
      const std::string key = field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!node->is_object() || !node->contains(key)) fail(field, "missing");
      node = &(*node)[key];
      if (dot == std::string::npos) return *node;
      start = dot + 1;
    }
  }
  std::string str(const std::string& field) const {
    const json& v = at(field);
    if (!v.is_string()) fail(field, "expected a string");
    return v.get<std::string>();
  }
  std::int64_t count(const std::string& field, const json& v) const {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) fail(field, "expected a whole number >= 0");
    return v.get<std::int64_t>();
  }
  std::int64_t count(const std::string& field) const { return count(field, at(field)); }
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw FileError(path_, field, problem);
  }

 private:
  const json& root_;
  std::string path_;
};

CorpusRegion read_region(const Reader& r, const std::string& name) {
  return {r.count("split." + name + ".offset"), r.count("split." + name + ".tokens"),
          r.count("split." + name + ".documents")};
}

}  // namespace

std::string token_dtype_for(std::int64_t vocab_size) { return vocab_size <= 65536 ? "uint16" : "uint32"; }

std::string corpus_manifest_json(const CorpusManifest& m) {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& f : m.files)
    files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}, {"gzip", f.gzip},
                     {"format", f.format}, {"documents", f.documents}, {"train_documents", f.train_documents},
                     {"validation_documents", f.validation_documents}, {"tokens", f.tokens}});
  nlohmann::ordered_json j = {
      {"format", "depthscope-corpus"},
      {"version", m.version},
      {"tokenizer",
       {{"spec", m.tokenizer_spec}, {"kind", m.tokenizer_kind},
        {"file", m.tokenizer_file.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.tokenizer_file)},
        {"description", m.tokenizer_description}, {"vocab_size", m.vocab_size}, {"separator", m.separator}}},
      {"tokens", {{"file", m.tokens_file}, {"dtype", m.dtype}, {"count", m.total_tokens()}}},
      {"split",
       {{"method", m.split_method}, {"validation_fraction", m.validation_fraction}, {"seed", m.split_seed},
        {"train", region_json(m.train)}, {"validation", region_json(m.validation)}}},
      {"files", files}};
  return j.dump(2) + "\n";
}

CorpusManifest parse_corpus_manifest(const std::string& text, const std::string& path) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    throw FileError(path, "", std::string("not valid JSON: ") + e.what());
  }
  const Reader r(root, path);
  if (r.str("format") != "depthscope-corpus") r.fail("format", "expected \"depthscope-corpus\"");
  CorpusManifest m;
  m.version = static_cast<int>(r.count("version"));
  if (m.version != kCorpusFormatVersion)
    r.fail("version", "version " + std::to_string(m.version) + " is not supported (this DepthScope reads " +
                          std::to_string(kCorpusFormatVersion) + "); rebuild the corpus");
  m.tokenizer_spec = r.str("tokenizer.spec");
  m.tokenizer_kind = r.str("tokenizer.kind");
  if (m.tokenizer_kind != "bytes" && m.tokenizer_kind != "bpe" && m.tokenizer_kind != "unigram" &&
      m.tokenizer_kind != "file" && m.tokenizer_kind != "given")
    r.fail("tokenizer.kind", "unknown kind '" + m.tokenizer_kind + "'");
  const json& file = r.at("tokenizer.file");
  if (!file.is_null() && !file.is_string()) r.fail("tokenizer.file", "expected a file name or null");
  m.tokenizer_file = file.is_string() ? file.get<std::string>() : "";
  if ((m.tokenizer_kind == "bpe" || m.tokenizer_kind == "unigram" || m.tokenizer_kind == "file") &&
      m.tokenizer_file.empty())
    r.fail("tokenizer.file", "missing: a " + m.tokenizer_kind + " corpus keeps its tokenizer file");
  if (m.tokenizer_file.find('/') != std::string::npos)
    r.fail("tokenizer.file", "expected a file name inside the corpus folder, got '" + m.tokenizer_file + "'");
  m.tokenizer_description = r.str("tokenizer.description");
  m.vocab_size = r.count("tokenizer.vocab_size");
  if (m.vocab_size < 1) r.fail("tokenizer.vocab_size", "must be at least 1");
  const json& sep = r.at("tokenizer.separator");
  if (!sep.is_array()) r.fail("tokenizer.separator", "expected an array of token ids");
  for (const json& id : sep) {
    const std::int64_t v = r.count("tokenizer.separator", id);
    if (v >= m.vocab_size) r.fail("tokenizer.separator", "id " + std::to_string(v) + " is outside the vocabulary");
    m.separator.push_back(v);
  }
  m.tokens_file = r.str("tokens.file");
  if (m.tokens_file.empty() || m.tokens_file.find('/') != std::string::npos)
    r.fail("tokens.file", "expected a file name inside the corpus folder");
  m.dtype = r.str("tokens.dtype");
  if (m.dtype != "uint16" && m.dtype != "uint32") r.fail("tokens.dtype", "expected \"uint16\" or \"uint32\"");
  if (m.dtype == "uint16" && m.vocab_size > 65536)
    r.fail("tokens.dtype", "uint16 cannot hold the ids of a " + std::to_string(m.vocab_size) + "-token vocabulary");
  m.split_method = r.str("split.method");
  const json& fraction = r.at("split.validation_fraction");
  if (!fraction.is_number() || fraction.get<double>() < 0 || fraction.get<double>() >= 1)
    r.fail("split.validation_fraction", "expected a number in [0, 1)");
  m.validation_fraction = fraction.get<double>();
  const json& seed = r.at("split.seed");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0))
    r.fail("split.seed", "expected a whole number >= 0");
  m.split_seed = seed.get<std::uint64_t>();
  m.train = read_region(r, "train");
  m.validation = read_region(r, "validation");
  if (m.train.offset != 0) r.fail("split.train.offset", "expected 0 (training tokens come first)");
  if (m.validation.offset != m.train.tokens)
    r.fail("split.validation.offset", "expected " + std::to_string(m.train.tokens) +
                                          " (right after the training tokens)");
  if (r.count("tokens.count") != m.total_tokens())
    r.fail("tokens.count", "is " + std::to_string(r.count("tokens.count")) + " but split.train.tokens + "
                           "split.validation.tokens = " + std::to_string(m.total_tokens()));
  const json& files = r.at("files");
  if (!files.is_array()) r.fail("files", "expected an array");
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string f = "files." + std::to_string(i);
    const Reader fr(files[i], path);
    CorpusFileRecord rec;
    auto field = [&](const char* name) { return f + "." + name; };
    try {
      rec.path = fr.str("path");
      rec.sha256 = fr.str("sha256");
      rec.bytes = static_cast<std::uint64_t>(fr.count("bytes"));
      if (!fr.at("gzip").is_boolean()) fr.fail("gzip", "expected true or false");
      rec.gzip = fr.at("gzip").get<bool>();
      rec.format = fr.str("format");
      rec.documents = fr.count("documents");
      rec.train_documents = fr.count("train_documents");
      rec.validation_documents = fr.count("validation_documents");
      rec.tokens = fr.count("tokens");
    } catch (const FileError& e) {
      throw FileError(path, field(e.field().c_str()), e.problem());
    }
    m.files.push_back(std::move(rec));
  }
  return m;
}

CorpusManifest read_corpus_manifest(const std::string& path) {
  return parse_corpus_manifest(read_file_bytes(path), path);
}

void write_corpus_manifest(const CorpusManifest& m, const std::string& path) {
  AtomicFileWriter w(path);
  w.write(corpus_manifest_json(m));
  w.commit();
}

}  // namespace depthscope
