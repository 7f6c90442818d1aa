#pragma once
// Corpus text files: reading (plain or gzip), and cutting them into documents. Torch-free.
//
// Documents:
// - A file with at least one line holding only "%" is in the fortune format: the entries
//   between such lines are the documents (Debian's /usr/share/games/fortunes/*).
// - Any other text is cut into paragraphs at blank lines (lines that are empty or hold only
//   spaces, tabs or '\r'); each paragraph is a document. A paragraph longer than
//   kMaxDocumentBytes is cut at the line breaks before that size, so that one file with no
//   blank lines (a Bible printed one verse per line) still splits into many documents.
// Documents keep their own line breaks (the last line's '\n' included); documents that hold
// only whitespace are dropped.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depthscope {

constexpr std::size_t kMaxDocumentBytes = 16 * 1024;

enum class DocumentFormat { fortune, paragraphs };
const char* document_format_name(DocumentFormat f);  // "fortune" | "paragraphs"

struct CorpusText {
  std::string path;
  std::string text;            // decompressed
  std::string sha256;          // of the file's bytes as stored (compressed for gzip)
  std::uint64_t file_bytes = 0;
  bool gzip = false;           // detected by the gzip magic bytes, not the name
};

// Reads `path`, inflating gzip (also several concatenated gzip members). Throws FileError
// naming the file when it is missing, unreadable, a folder, a damaged or truncated gzip, or
// holds no text.
CorpusText read_corpus_text(const std::string& path);

DocumentFormat detect_document_format(std::string_view text);

// Views into `text` (which must outlive them).
std::vector<std::string_view> split_documents(std::string_view text, DocumentFormat format);

// The default corpus, Debian's text packages: every fortune file in /usr/share/games/fortunes
// (regular files only, sorted; *.dat indexes, *.u8 links and folders skipped; packages
// fortunes / fortunes-min) and the Jargon File (/usr/share/doc/jargon-text/jargon.txt.gz,
// package jargon-text). Throws UsageError naming the packages when none of them is installed.
std::vector<std::string> default_corpus_files();

}  // namespace depthscope
