#include "core/train/corpus_builder.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/runtime/threads.h"
#include "core/tokenize/sentencepiece_trainer.h"
#include "core/train/corpus_sampling.h"
#include "core/train/corpus_text.h"
#include "core/train/corpus_tokenizer.h"

namespace depthscope {
namespace fs = std::filesystem;
namespace {

struct Document {
  std::size_t file = 0;
  std::string_view text;
  double score = 0;  // document_split_score
  bool validation = false;
};

struct LoadedCorpus {
  std::vector<CorpusText> texts;
  std::vector<DocumentFormat> formats;
  std::vector<Document> docs;
};

// Reads every file, cuts documents and assigns each to a split.
LoadedCorpus load_documents(const CorpusOptions& o, const RunControl& control) {
  const std::vector<std::string> files = o.text_files.empty() ? default_corpus_files() : o.text_files;
  LoadedCorpus c;
  c.texts.reserve(files.size());  // documents view into these strings: no reallocation after
  for (std::size_t i = 0; i < files.size(); ++i) {
    control.check_cancel();
    control.report(static_cast<double>(i), static_cast<double>(files.size()), "reading " + files[i]);
    c.texts.push_back(read_corpus_text(files[i]));
  }
  for (std::size_t i = 0; i < c.texts.size(); ++i) {
    c.formats.push_back(detect_document_format(c.texts[i].text));
    for (std::string_view d : split_documents(c.texts[i].text, c.formats[i]))
      c.docs.push_back({i, d, document_split_score(d, o.split_seed), false});
    if (c.docs.empty() || c.docs.back().file != i)
      throw FileError(files[i], "", "holds no documents (only whitespace and separator lines)");
  }
  if (c.docs.empty()) throw UsageError("the corpus has no documents: give text files with some text in them");
  std::size_t validation = 0;
  for (Document& d : c.docs) validation += (d.validation = d.score < o.validation_fraction);
  // Both splits get at least one document when there are two or more and a fraction > 0.
  if (o.validation_fraction > 0 && c.docs.size() >= 2) {
    auto by_score = [](const Document& a, const Document& b) { return a.score < b.score; };
    if (validation == 0) std::min_element(c.docs.begin(), c.docs.end(), by_score)->validation = true;
    if (validation == c.docs.size()) std::max_element(c.docs.begin(), c.docs.end(), by_score)->validation = false;
  }
  return c;
}

// The training documents, one after another, each ending in '\n' (the trainer reads lines).
std::string training_text(const LoadedCorpus& c) {
  std::string text;
  for (const Document& d : c.docs) {
    if (d.validation) continue;
    text.append(d.text);
    if (d.text.back() != '\n') text += '\n';
  }
  return text;
}

void prepare_folder(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw FileError(dir.string(), "", "exists and is not a folder; choose another --out");
  fs::create_directories(dir, ec);
  if (ec) throw FileError(dir.string(), "", "cannot create the corpus folder: " + ec.message());
  fs::remove(dir / "corpus.json", ec);  // the folder is not a valid corpus until it is rewritten
}

// Little-endian uint16/uint32 ids, written in chunks.
class TokenWriter {
 public:
  TokenWriter(const std::string& path, int bytes_per_token) : out_(path), bytes_(bytes_per_token) {}
  void add(std::int64_t id) {
    if (bytes_ == 2) {
      const auto v = static_cast<std::uint16_t>(id);
      buf_.push_back(static_cast<char>(v & 0xFF));
      buf_.push_back(static_cast<char>(v >> 8));
    } else {
      const auto v = static_cast<std::uint32_t>(id);
      for (int k = 0; k < 4; ++k) buf_.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
    }
    if (buf_.size() >= (1u << 20)) flush();
  }
  void flush() {
    out_.write(buf_);
    buf_.clear();
  }
  void commit() {
    flush();
    out_.commit();
  }

 private:
  AtomicFileWriter out_;
  int bytes_;
  std::string buf_;
};

CorpusManifest tokenize_into(const LoadedCorpus& c, const Tokenizer& tok, CorpusManifest m, const fs::path& dir,
                             const RunControl& control) {
  m.vocab_size = tok.vocab_size();
  m.tokenizer_description = tok.description();
  m.separator = document_separator(tok);
  m.dtype = token_dtype_for(m.vocab_size);
  for (std::size_t i = 0; i < c.texts.size(); ++i) {
    CorpusFileRecord f;
    f.path = c.texts[i].path;
    f.sha256 = c.texts[i].sha256;
    f.bytes = c.texts[i].file_bytes;
    f.gzip = c.texts[i].gzip;
    f.format = document_format_name(c.formats[i]);
    m.files.push_back(f);
  }
  TokenWriter writer((dir / m.tokens_file).string(), m.token_bytes());
  std::vector<std::int64_t> validation;  // written after all training tokens
  for (std::size_t k = 0; k < c.docs.size(); ++k) {
    const Document& d = c.docs[k];
    if (k % 256 == 0) {
      control.check_cancel();
      control.report(static_cast<double>(k), static_cast<double>(c.docs.size()), "tokenizing");
    }
    std::vector<std::int64_t> ids = tok.encode(std::string(d.text));
    ids.insert(ids.end(), m.separator.begin(), m.separator.end());
    for (std::int64_t id : ids)
      if (id < 0 || id >= m.vocab_size)
        throw UsageError("tokenizer '" + m.tokenizer_spec + "' returned id " + std::to_string(id) +
                         " outside its vocabulary of " + std::to_string(m.vocab_size) + " for a document of " +
                         c.texts[d.file].path);
    CorpusFileRecord& f = m.files[d.file];
    ++f.documents;
    f.tokens += static_cast<std::int64_t>(ids.size());
    CorpusRegion& region = d.validation ? m.validation : m.train;
    ++region.documents;
    region.tokens += static_cast<std::int64_t>(ids.size());
    if (d.validation) {
      ++f.validation_documents;
      validation.insert(validation.end(), ids.begin(), ids.end());
    } else {
      ++f.train_documents;
      for (std::int64_t id : ids) writer.add(id);
    }
  }
  for (std::int64_t id : validation) writer.add(id);
  m.validation.offset = m.train.tokens;
  writer.commit();
  write_corpus_manifest(m, (dir / "corpus.json").string());
  control.report(static_cast<double>(c.docs.size()), static_cast<double>(c.docs.size()), "done");
  return m;
}

CorpusManifest base_manifest(const CorpusOptions& o) {
  CorpusManifest m;
  m.tokenizer_spec = o.tokenizer;
  m.validation_fraction = o.validation_fraction;
  m.split_seed = o.split_seed;
  return m;
}

}  // namespace

CorpusManifest build_corpus(const CorpusOptions& options, const std::string& out_dir, const RunControl& control) {
  check_corpus_options(options);
  const TokenizerChoice choice = TokenizerChoice::parse(options.tokenizer);
  const LoadedCorpus corpus = load_documents(options, control);
  const fs::path dir(out_dir);
  prepare_folder(dir);
  CorpusManifest m = base_manifest(options);
  m.tokenizer_kind = choice.kind_name();
  std::unique_ptr<Tokenizer> tok;
  switch (choice.kind) {
    case TokenizerChoice::Kind::bytes:
      tok = make_byte_tokenizer();
      break;
    case TokenizerChoice::Kind::bpe:
    case TokenizerChoice::Kind::unigram: {
      control.check_cancel();
      control.report(0, 1, "training the " + options.tokenizer + " tokenizer");
      SentencePieceTrainOptions t;
      t.model_type = choice.kind_name();
      t.vocab_size = choice.vocab_size;
      t.model_prefix = (dir / "tokenizer").string();
      t.seed = static_cast<std::uint32_t>(splitmix64(options.split_seed));
      t.threads = threads();
      train_sentencepiece(t, training_text(corpus));
      m.tokenizer_file = "tokenizer.model";
      tok = load_tokenizer((dir / m.tokenizer_file).string());
      break;
    }
    case TokenizerChoice::Kind::file:
      m.tokenizer_file = copy_tokenizer_into(choice.path, dir.string());
      tok = load_tokenizer((dir / m.tokenizer_file).string());
      break;
  }
  return tokenize_into(corpus, *tok, std::move(m), dir, control);
}

CorpusManifest build_corpus_with(const CorpusOptions& options, const Tokenizer& tokenizer, const std::string& out_dir,
                                 const RunControl& control) {
  check_corpus_options(options);
  const LoadedCorpus corpus = load_documents(options, control);
  const fs::path dir(out_dir);
  prepare_folder(dir);
  CorpusManifest m = base_manifest(options);
  m.tokenizer_kind = "given";
  return tokenize_into(corpus, tokenizer, std::move(m), dir, control);
}

}  // namespace depthscope
