#include "core/train/corpus_text.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/tokenize/read_file.h"
#include "core/train/corpus_sha256.h"

namespace depthscope {
namespace fs = std::filesystem;
namespace {

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1F &&
         static_cast<unsigned char>(bytes[1]) == 0x8B;
}

// Inflates every gzip member in `bytes`.
std::string gunzip(const std::string& path, const std::string& bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw FileError(path, "", "cannot start zlib");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  std::string chunk(1 << 16, '\0');
  int rc = Z_OK;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // another gzip member follows
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      inflateEnd(&z);
      throw FileError(path, "", "the gzip data ends early (truncated after " + std::to_string(bytes.size()) +
                                    " bytes); download or copy the file again");
    }
    const std::string why = z.msg != nullptr ? z.msg : ("zlib error " + std::to_string(rc));
    inflateEnd(&z);
    throw FileError(path, "", "damaged gzip data: " + why);
  }
  inflateEnd(&z);
  return out;
}

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// The line at `pos` (its '\n' included) and the position after it.
std::string_view line_at(std::string_view text, std::size_t pos, std::size_t* next) {
  const std::size_t nl = text.find('\n', pos);
  *next = nl == std::string_view::npos ? text.size() : nl + 1;
  return text.substr(pos, *next - pos);
}

bool is_fortune_separator(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line == "%";
}

void add_document(std::vector<std::string_view>& docs, std::string_view doc) {
  if (!blank(doc)) docs.push_back(doc);
}

}  // namespace

const char* document_format_name(DocumentFormat f) {
  return f == DocumentFormat::fortune ? "fortune" : "paragraphs";
}

CorpusText read_corpus_text(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FileError(path, "", "no such file (give an existing text file)");
  CorpusText t;
  t.path = path;
  std::string bytes = read_file_bytes(path);
  t.file_bytes = bytes.size();
  t.sha256 = sha256_hex(bytes);
  t.gzip = is_gzip(bytes);
  t.text = t.gzip ? gunzip(path, bytes) : std::move(bytes);
  if (blank(t.text)) throw FileError(path, "", "holds no text (the file is empty or only whitespace)");
  return t;
}

DocumentFormat detect_document_format(std::string_view text) {
  for (std::size_t pos = 0, next = 0; pos < text.size(); pos = next)
    if (is_fortune_separator(line_at(text, pos, &next))) return DocumentFormat::fortune;
  return DocumentFormat::paragraphs;
}

std::vector<std::string_view> split_documents(std::string_view text, DocumentFormat format) {
  std::vector<std::string_view> docs;
  std::size_t start = 0;  // of the current document
  for (std::size_t pos = 0, next = 0; pos < text.size(); pos = next) {
    const std::string_view line = line_at(text, pos, &next);
    const bool ends = format == DocumentFormat::fortune ? is_fortune_separator(line) : blank(line);
    if (ends) {
      add_document(docs, text.substr(start, pos - start));
      start = next;
    } else if (format == DocumentFormat::paragraphs && pos > start && next - start > kMaxDocumentBytes) {
      add_document(docs, text.substr(start, pos - start));  // cut a long paragraph before this line
      start = pos;
    }
  }
  add_document(docs, text.substr(start));
  return docs;
}

std::vector<std::string> default_corpus_files() {
  std::vector<std::string> files;
  std::error_code ec;
  const fs::path fortunes = "/usr/share/games/fortunes";
  if (fs::is_directory(fortunes, ec)) {
    for (const auto& e : fs::directory_iterator(fortunes, ec)) {
      const std::string ext = e.path().extension().string();
      if (e.is_symlink(ec) || !e.is_regular_file(ec) || ext == ".dat" || ext == ".u8") continue;
      files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  }
  const std::string jargon = "/usr/share/doc/jargon-text/jargon.txt.gz";
  if (fs::is_regular_file(jargon, ec)) files.push_back(jargon);
  if (files.empty())
    throw UsageError("no default corpus: install the Debian packages fortunes (or fortunes-min) and jargon-text "
                     "(apt-get install fortunes jargon-text), or give text files with --text FILE");
  return files;
}

}  // namespace depthscope
