// Broken tokenizer files: each must raise a FileError that names the file and the field.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "core/tokenize/tokenizer.h"
#include "core/tokenize/tokenizer_json.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  const auto path = (test::scratch_dir(dir) / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Loads `path` expecting a FileError for `field` that names the file in its message.
void expect_file_error(const std::string& path, const std::string& field,
                       const std::string& problem_part) {
  try {
    load_tokenizer(path);
    FAIL() << "no error for " << path;
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find(problem_part), std::string::npos) << e.what();
  }
}

// A minimal valid tokenizer.json: vocab a, b, ab; one merge.
const char* kValid = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2},
  "merges": ["a b"]}, "decoder": {"type": "Fuse"}})";

TEST(TokenizerHostileInput, MinimalValidFileEncodes) {
  const auto tok = load_tokenizer(write_file("tok_valid", "tokenizer.json", kValid));
  EXPECT_EQ(tok->encode("abba"), (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(tok->decode({2, 1, 0}), "abba");
  // No unknown token and no byte fallback: a foreign character is a usage error, not a crash.
  EXPECT_THROW(tok->encode("abc"), UsageError);
}

TEST(TokenizerHostileInput, InvalidUtf8InTokenizerJson) {
  std::string bytes = kValid;
  bytes.replace(bytes.find("\"a\": 0"), 3, "\"\xC3\x28\"");  // an invalid 2-byte sequence
  const std::size_t at = bytes.find('\xC3');
  expect_file_error(write_file("tok_utf8", "tokenizer.json", bytes), "byte " + std::to_string(at),
                    "invalid UTF-8");
}

TEST(TokenizerHostileInput, MalformedJson) {
  const std::string bytes = std::string(kValid).substr(0, 40);  // cut mid-object
  expect_file_error(write_file("tok_json", "tokenizer.json", bytes), "JSON at byte 41",
                    "malformed JSON");
}

TEST(TokenizerHostileInput, MissingModel) {
  expect_file_error(write_file("tok_nomodel", "tokenizer.json", R"({"decoder": null})"), "model",
                    "missing");
}

TEST(TokenizerHostileInput, MissingVocab) {
  expect_file_error(
      write_file("tok_novocab", "tokenizer.json", R"({"model": {"type": "BPE", "merges": []}})"),
      "model.vocab", "missing");
}

TEST(TokenizerHostileInput, MissingMerges) {
  expect_file_error(
      write_file("tok_nomerges", "tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}}})"),
      "model.merges", "missing");
}

TEST(TokenizerHostileInput, MergeOfUnknownToken) {
  const char* bytes = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2},
    "merges": ["a b", "a z"]}})";
  expect_file_error(write_file("tok_badmerge", "tokenizer.json", bytes), "model.merges[1]",
                    "token 'z' is not in model.vocab");
}

TEST(TokenizerHostileInput, MergedTokenMissingFromVocab) {
  const char* bytes = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1},
    "merges": [["a", "b"]]}})";
  expect_file_error(write_file("tok_badmerged", "tokenizer.json", bytes), "model.merges[0]",
                    "merged token 'ab'");
}

TEST(TokenizerHostileInput, HugeTokenIdIsRejectedNotAllocated) {
  const char* bytes = R"({"model": {"type": "BPE", "vocab": {"a": 2000000000}, "merges": []}})";
  expect_file_error(write_file("tok_hugeid", "tokenizer.json", bytes), "model.vocab['a']",
                    "out of range");
}

TEST(TokenizerHostileInput, UnsupportedModelTypeIsNamed) {
  const char* bytes = R"({"model": {"type": "Unigram", "vocab": []}})";
  expect_file_error(write_file("tok_unigram", "tokenizer.json", bytes), "model.type", "Unigram");
}

TEST(TokenizerHostileInput, TruncatedTokenizerBin) {
  DS_REQUIRE_SHARED("llama2c/tokenizer.bin");
  const std::string bytes = read_file(test::shared_data("llama2c/tokenizer.bin"));
  // 4 header bytes, then token 0 needs at least 8 more: stop inside token 0's length field.
  expect_file_error(write_file("bin_trunc0", "tokenizer.bin", bytes.substr(0, 10)),
                    "token 0 length", "file ends early");
  // Stop inside some later token's bytes.
  const std::string cut = bytes.substr(0, bytes.size() - 2);
  try {
    load_tokenizer(write_file("bin_trunc", "tokenizer.bin", cut));
    FAIL() << "no error for a truncated tokenizer.bin";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "token 511 bytes") << e.what();
  }
  expect_file_error(write_file("bin_empty", "tokenizer.bin", ""), "max_token_length",
                    "file ends early");
}

TEST(TokenizerHostileInput, TruncatedSentencePieceModel) {
  DS_REQUIRE_SHARED("tokenizers/llama2/tokenizer.model");
  const std::string bytes = read_file(test::shared_data("tokenizers/llama2/tokenizer.model"));
  expect_file_error(write_file("spm_trunc", "tokenizer.model", bytes.substr(0, bytes.size() / 2)),
                    "ModelProto", "not a valid SentencePiece model");
}

TEST(TokenizerHostileInput, GarbageSentencePieceModel) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919 + 13) % 251);
  expect_file_error(write_file("spm_garbage", "tokenizer.model", garbage), "ModelProto",
                    "not a valid SentencePiece model");
}

TEST(TokenizerHostileInput, MissingFileIsNamed) {
  const std::string path = (test::scratch_dir("tok_missing") / "tokenizer.json").string();
  expect_file_error(path, "", "no such file");
}

}  // namespace
}  // namespace depthscope
