// Corpus text: SHA-256, gzip, and how files are cut into documents.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "core/train/corpus_sha256.h"
#include "core/train/corpus_text.h"
#include "tests/core/train/corpus_test_util.h"

namespace depthscope {
namespace {

using test::scratch_dir;
using test::write_gzip;
using test::write_text;

TEST(CorpusSha256, MatchesFips180Examples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 pieces;  // the same bytes fed in uneven pieces
  const std::string million(1000000, 'a');
  for (std::size_t at = 0; at < million.size(); at += 977) pieces.update(million.substr(at, 977));
  EXPECT_EQ(pieces.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(CorpusText, FortuneEntriesAreDocuments) {
  const std::string text = "First entry\n  -- someone\n%\nSecond\n\nwith a blank line\n%\n%\n   \n%\nLast";
  ASSERT_EQ(detect_document_format(text), DocumentFormat::fortune);
  const auto docs = split_documents(text, DocumentFormat::fortune);
  ASSERT_EQ(docs.size(), 3u);  // the empty and whitespace-only entries are dropped
  EXPECT_EQ(docs[0], "First entry\n  -- someone\n");
  EXPECT_EQ(docs[1], "Second\n\nwith a blank line\n");
  EXPECT_EQ(docs[2], "Last");
}

TEST(CorpusText, ParagraphsAreDocuments) {
  const std::string text = "\n\nOne\nline two\n\n \t\nTwo\n\n\nThree\n";
  ASSERT_EQ(detect_document_format(text), DocumentFormat::paragraphs);
  const auto docs = split_documents(text, DocumentFormat::paragraphs);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], "One\nline two\n");
  EXPECT_EQ(docs[1], "Two\n");
  EXPECT_EQ(docs[2], "Three\n");
}

TEST(CorpusText, LongParagraphIsCutAtLineBreaks) {
  std::string text;
  const std::string line(99, 'x');
  for (int i = 0; i < 1000; ++i) text += line + "\n";  // 100 KB, no blank line
  const auto docs = split_documents(text, DocumentFormat::paragraphs);
  ASSERT_GT(docs.size(), 5u);
  std::string joined;
  for (auto d : docs) {
    EXPECT_LE(d.size(), kMaxDocumentBytes);
    EXPECT_EQ(d.back(), '\n');
    joined += d;
  }
  EXPECT_EQ(joined, text);  // nothing lost at the cuts
}

TEST(CorpusText, ReadsGzipAndPlainAlike) {
  const auto dir = scratch_dir("corpus_text_gzip");
  const std::string text = test::paragraphs(20);
  const CorpusText plain = read_corpus_text(write_text(dir / "a.txt", text));
  const CorpusText gz = read_corpus_text(write_gzip(dir / "a.txt.gz", text));
  EXPECT_FALSE(plain.gzip);
  EXPECT_TRUE(gz.gzip);
  EXPECT_EQ(gz.text, text);
  EXPECT_EQ(plain.sha256, sha256_hex(text));
  EXPECT_NE(gz.sha256, plain.sha256);  // the checksum is of the file as stored
  EXPECT_LT(gz.file_bytes, plain.file_bytes);
}

TEST(CorpusText, TruncatedGzipNamesTheFile) {
  const auto dir = scratch_dir("corpus_text_gzip_truncated");
  const std::string path = write_gzip(dir / "cut.gz", test::paragraphs(200));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  try {
    read_corpus_text(path);
    FAIL() << "a truncated gzip was read";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(CorpusText, MissingAndEmptyFilesAreNamed) {
  const auto dir = scratch_dir("corpus_text_missing");
  const std::string missing = (dir / "nope.txt").string();
  EXPECT_THROW(read_corpus_text(missing), FileError);
  try {
    read_corpus_text(missing);
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), missing);
  }
  const std::string empty = write_text(dir / "empty.txt", " \n\n");
  try {
    read_corpus_text(empty);
    FAIL() << "an empty file was read";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), empty);
    EXPECT_NE(std::string(e.what()).find("no text"), std::string::npos) << e.what();
  }
}

TEST(CorpusText, DefaultCorpusIsDebiansFortunesAndJargon) {
  if (!std::filesystem::exists("/usr/share/games/fortunes/fortunes"))
    GTEST_SKIP() << "/usr/share/games/fortunes/fortunes missing (Debian package fortunes-min)";
  const auto files = default_corpus_files();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    EXPECT_NE(f.substr(f.size() - 4), ".dat") << f;
    EXPECT_NE(f.substr(f.size() - 3), ".u8") << f;
    EXPECT_FALSE(std::filesystem::is_symlink(f)) << f;
  }
  EXPECT_NE(std::find(files.begin(), files.end(), "/usr/share/games/fortunes/fortunes"), files.end());
}

}  // namespace
}  // namespace depthscope
