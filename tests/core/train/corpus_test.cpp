// The corpus pipeline end to end: build (bytes, a given tokenizer, bpe with the plugin),
// split, tokens.bin layout, TokenCorpus windows, errors, the cache.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "core/error.h"
#include "core/tokenize/tokenizer.h"
#include "core/train/corpus_builder.h"
#include "core/train/corpus_cache.h"
#include "core/train/corpus_sha256.h"
#include "core/train/corpus_text.h"
#include "core/train/corpus_tokenizer.h"
#include "core/train/token_corpus.h"
#include "tests/core/train/corpus_test_util.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;
using test::paragraphs;
using test::scratch_dir;
using test::write_gzip;
using test::write_text;

CorpusOptions options_for(std::vector<std::string> files, const std::string& tokenizer = "bytes",
                          double validation = 0.05) {
  CorpusOptions o;
  o.text_files = std::move(files);
  o.tokenizer = tokenizer;
  o.validation_fraction = validation;
  return o;
}

std::string decode_region(const TokenCorpus& c, const CorpusRegion& r) {
  return c.tokenizer()->decode(c.ids(r.offset, r.tokens));
}

// The documents of a decoded bytes region: each is followed by the "\n" separator, and the
// test paragraphs hold no blank line, so "\n\n" ends each one.
std::multiset<std::string> split_decoded(const std::string& text) {
  std::multiset<std::string> docs;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find("\n\n", start)) != std::string::npos; start = end + 2)
    docs.insert(text.substr(start, end + 1 - start));
  EXPECT_EQ(start, text.size()) << "bytes after the last separator";
  return docs;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(CorpusBuild, BytesRoundTripWithoutValidation) {
  const auto dir = scratch_dir("corpus_bytes_roundtrip");
  const std::string text = paragraphs(30);
  const auto m = build_corpus(options_for({write_text(dir / "a.txt", text)}, "bytes", 0.0), (dir / "corpus").string());
  EXPECT_EQ(m.tokenizer_kind, "bytes");
  EXPECT_EQ(m.vocab_size, 256);
  EXPECT_EQ(m.separator, std::vector<std::int64_t>{10});  // bytes: a newline after each document
  EXPECT_EQ(m.dtype, "uint16");
  EXPECT_EQ(m.validation.tokens, 0);
  EXPECT_EQ(m.train.documents, 30);
  // Paragraph + "\n" separator puts back the single blank lines: the file itself.
  EXPECT_EQ(m.train.tokens, static_cast<std::int64_t>(text.size()) + 1);
  const TokenCorpus corpus((dir / "corpus").string());
  EXPECT_EQ(decode_region(corpus, corpus.manifest().train), text + "\n");
  EXPECT_EQ(fs::file_size(dir / "corpus" / "tokens.bin"), 2 * (text.size() + 1));
  EXPECT_FALSE(fs::exists(dir / "corpus" / "tokenizer.model"));
}

TEST(CorpusBuild, CorpusJsonRecordsFilesAndSplit) {
  const auto dir = scratch_dir("corpus_json");
  const std::string a = write_text(dir / "a.txt", paragraphs(40));
  const std::string b = write_gzip(dir / "b.txt.gz", paragraphs(25));
  build_corpus(options_for({a, b}, "bytes", 0.2), (dir / "corpus").string());
  const auto j = nlohmann::json::parse(file_bytes((dir / "corpus" / "corpus.json").string()));
  EXPECT_EQ(j.at("format"), "depthscope-corpus");
  EXPECT_EQ(j.at("tokens").at("dtype"), "uint16");
  ASSERT_EQ(j.at("files").size(), 2u);
  EXPECT_EQ(j.at("files")[0].at("path"), a);
  EXPECT_EQ(j.at("files")[0].at("sha256"), sha256_hex(file_bytes(a)));
  EXPECT_EQ(j.at("files")[0].at("gzip"), false);
  EXPECT_EQ(j.at("files")[1].at("gzip"), true);
  EXPECT_EQ(j.at("files")[1].at("sha256"), sha256_hex(file_bytes(b)));
  EXPECT_EQ(j.at("files")[0].at("documents"), 40);
  EXPECT_EQ(j.at("files")[1].at("documents"), 25);
  const auto& split = j.at("split");
  EXPECT_EQ(split.at("train").at("documents").get<int>() + split.at("validation").at("documents").get<int>(), 65);
  EXPECT_GT(split.at("validation").at("documents").get<int>(), 0);
  EXPECT_EQ(split.at("validation").at("offset"), split.at("train").at("tokens"));
  EXPECT_EQ(j.at("tokens").at("count").get<std::int64_t>() * 2,
            static_cast<std::int64_t>(fs::file_size(dir / "corpus" / "tokens.bin")));
}

TEST(CorpusBuild, GzipInputGivesTheSameTokensAsPlain) {
  const auto dir = scratch_dir("corpus_gzip");
  const std::string text = paragraphs(50);
  build_corpus(options_for({write_text(dir / "plain.txt", text)}), (dir / "plain").string());
  build_corpus(options_for({write_gzip(dir / "packed.gz", text)}), (dir / "packed").string());
  EXPECT_EQ(file_bytes((dir / "plain" / "tokens.bin").string()), file_bytes((dir / "packed" / "tokens.bin").string()));
}

TEST(CorpusBuild, SplitIsDeterministicAndKeepsEveryDocumentOnce) {
  const auto dir = scratch_dir("corpus_split");
  const std::string text = paragraphs(200);
  const std::string file = write_text(dir / "a.txt", text);
  const auto m1 = build_corpus(options_for({file}, "bytes", 0.25), (dir / "one").string());
  const auto m2 = build_corpus(options_for({file}, "bytes", 0.25), (dir / "two").string());
  EXPECT_EQ(file_bytes((dir / "one" / "tokens.bin").string()), file_bytes((dir / "two" / "tokens.bin").string()));
  EXPECT_EQ(m1.validation.documents, m2.validation.documents);
  EXPECT_GT(m1.validation.documents, 20);  // about 50 of 200
  EXPECT_LT(m1.validation.documents, 80);

  const TokenCorpus c((dir / "one").string());
  std::multiset<std::string> all = split_decoded(decode_region(c, c.manifest().train));
  const std::multiset<std::string> validation = split_decoded(decode_region(c, c.manifest().validation));
  EXPECT_EQ(static_cast<std::int64_t>(validation.size()), m1.validation.documents);
  all.insert(validation.begin(), validation.end());
  std::multiset<std::string> expected;
  for (auto d : split_documents(text, DocumentFormat::paragraphs)) expected.insert(std::string(d));
  EXPECT_EQ(all, expected);

  CorpusOptions reseeded = options_for({file}, "bytes", 0.25);
  reseeded.split_seed = 7;
  build_corpus(reseeded, (dir / "three").string());
  EXPECT_NE(file_bytes((dir / "one" / "tokens.bin").string()), file_bytes((dir / "three" / "tokens.bin").string()));
}

// A tokenizer with more ids than uint16 holds: byte b -> 65536 + b.
class WideTokenizer : public Tokenizer {
 public:
  std::vector<std::int64_t> encode(const std::string& text) const override {
    std::vector<std::int64_t> ids;
    for (unsigned char c : text) ids.push_back(65536 + c);
    return ids;
  }
  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::string s;
    for (auto id : ids) s += static_cast<char>(id - 65536);
    return s;
  }
  std::int64_t vocab_size() const override { return 65536 + 256 + 1; }
  std::string description() const override { return "wide test tokenizer"; }
  std::optional<std::int64_t> eos_id() const override { return 65536 + 256; }
};

TEST(CorpusBuild, Uint16UpTo65536TokensElseUint32) {
  EXPECT_EQ(token_dtype_for(256), "uint16");
  EXPECT_EQ(token_dtype_for(65536), "uint16");
  EXPECT_EQ(token_dtype_for(65537), "uint32");
  const auto dir = scratch_dir("corpus_uint32");
  const std::string text = paragraphs(10);
  WideTokenizer wide;
  const auto m = build_corpus_with(options_for({write_text(dir / "a.txt", text)}, "wide", 0.0), wide,
                                   (dir / "corpus").string());
  EXPECT_EQ(m.dtype, "uint32");
  EXPECT_EQ(m.tokenizer_kind, "given");
  EXPECT_EQ(m.separator, std::vector<std::int64_t>{65536 + 256});
  EXPECT_EQ(fs::file_size(dir / "corpus" / "tokens.bin"), 4u * static_cast<std::uint64_t>(m.total_tokens()));
  const TokenCorpus c((dir / "corpus").string());
  const auto ids = c.ids(0, c.train_tokens());
  EXPECT_EQ(ids[0], 65536 + 'P');
  EXPECT_EQ(ids.back(), 65536 + 256);
}

TEST(CorpusWindows, SameSeedAndStepGiveTheSameWindows) {
  const auto dir = scratch_dir("corpus_windows");
  build_corpus(options_for({write_text(dir / "a.txt", paragraphs(300))}, "bytes", 0.1), (dir / "c").string());
  const TokenCorpus c((dir / "c").string());
  const at::Tensor a = c.train_batch(42, 10, 0, 4, 32);
  EXPECT_EQ(a.sizes(), (at::IntArrayRef{4, 33}));
  EXPECT_EQ(a.scalar_type(), at::kLong);
  EXPECT_TRUE(at::equal(a, c.train_batch(42, 10, 0, 4, 32)));
  const TokenCorpus reopened((dir / "c").string());  // a resumed run: no state but the arguments
  EXPECT_TRUE(at::equal(a, reopened.train_batch(42, 10, 0, 4, 32)));
  EXPECT_FALSE(at::equal(a, c.train_batch(42, 11, 0, 4, 32)));
  EXPECT_FALSE(at::equal(a, c.train_batch(42, 10, 1, 4, 32)));
  EXPECT_FALSE(at::equal(a, c.train_batch(43, 10, 0, 4, 32)));
  EXPECT_FALSE(at::equal(a[0], a[1]));
  // Row b is the tokens at its start.
  for (std::int64_t b = 0; b < 4; ++b) {
    const auto ids = c.ids(c.train_window_start(42, 10, 0, b, 32), 33);
    EXPECT_TRUE(at::equal(a[b], at::tensor(ids, at::kLong))) << "row " << b;
  }
}

TEST(CorpusWindows, TrainingWindowsNeverReachValidation) {
  const auto dir = scratch_dir("corpus_windows_region");
  build_corpus(options_for({write_text(dir / "a.txt", paragraphs(100))}, "bytes", 0.3), (dir / "c").string());
  const TokenCorpus c((dir / "c").string());
  const std::int64_t seq = 64;
  std::int64_t lowest = c.train_tokens(), highest = 0;
  for (std::int64_t step = 0; step < 2000; ++step)
    for (std::int64_t b = 0; b < 4; ++b) {
      const std::int64_t s = c.train_window_start(1, step, 0, b, seq);
      ASSERT_GE(s, 0);
      ASSERT_LE(s + seq + 1, c.train_tokens()) << "step " << step << " row " << b;
      lowest = std::min(lowest, s);
      highest = std::max(highest, s);
    }
  EXPECT_LT(lowest, c.train_tokens() / 20);  // the whole region is used
  EXPECT_GT(highest, c.train_tokens() - seq - 1 - c.train_tokens() / 20);
}

TEST(CorpusWindows, ValidationWindowsAreFixedAndTileTheValidationTokens) {
  const auto dir = scratch_dir("corpus_windows_validation");
  build_corpus(options_for({write_text(dir / "a.txt", paragraphs(200))}, "bytes", 0.2), (dir / "c").string());
  const TokenCorpus c((dir / "c").string());
  const std::int64_t seq = 50;
  const at::Tensor all = c.validation_windows(seq, 0);
  EXPECT_EQ(all.size(0), (c.validation_tokens() - 1) / seq);
  EXPECT_EQ(all.size(1), seq + 1);
  for (std::int64_t k = 0; k < all.size(0); ++k)
    ASSERT_TRUE(at::equal(all[k], at::tensor(c.ids(c.manifest().validation.offset + k * seq, seq + 1), at::kLong)));
  EXPECT_TRUE(at::equal(all.slice(0, 1, 2).select(1, 0), all.slice(0, 0, 1).select(1, seq)));  // shared edge token
  EXPECT_EQ(c.validation_windows(seq, 3 * seq + 7).size(0), 3);  // targets capped at max_tokens
  EXPECT_EQ(c.validation_windows(seq, 1).size(0), 1);
  const auto batches = c.validation_batches(seq, 0, 4);
  EXPECT_TRUE(at::equal(at::cat(batches, 0), all));
  EXPECT_EQ(batches.front().size(0), 4);
}

TEST(CorpusWindows, CorpusSmallerThanOneWindowSaysHowManyTokens) {
  const auto dir = scratch_dir("corpus_too_small");
  build_corpus(options_for({write_text(dir / "a.txt", "tiny text\n")}, "bytes", 0.0), (dir / "c").string());
  const TokenCorpus c((dir / "c").string());
  EXPECT_EQ(c.train_tokens(), 11);
  try {
    c.train_batch(0, 0, 0, 1, 64);
    FAIL() << "a window longer than the corpus was drawn";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("has 11 training tokens"), std::string::npos) << m;
    EXPECT_NE(m.find("needs 65"), std::string::npos) << m;
  }
  EXPECT_THROW(c.validation_windows(8, 0), UsageError);  // no validation tokens at all
}

TEST(CorpusOpen, TruncatedTokensBinIsNamed) {
  const auto dir = scratch_dir("corpus_truncated");
  build_corpus(options_for({write_text(dir / "a.txt", paragraphs(20))}), (dir / "c").string());
  const fs::path tokens = dir / "c" / "tokens.bin";
  fs::resize_file(tokens, fs::file_size(tokens) - 6);
  try {
    TokenCorpus c((dir / "c").string());
    FAIL() << "a truncated tokens.bin was opened";
  } catch (const FileError& e) {
    EXPECT_EQ(fs::path(e.file()).filename(), "tokens.bin");
    EXPECT_EQ(e.field(), "size");
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(CorpusOpen, DamagedCorpusJsonNamesTheField) {
  const auto dir = scratch_dir("corpus_bad_json");
  build_corpus(options_for({write_text(dir / "a.txt", paragraphs(20))}), (dir / "c").string());
  const std::string path = (dir / "c" / "corpus.json").string();
  auto j = nlohmann::json::parse(file_bytes(path));
  j["tokens"]["dtype"] = "int8";
  std::ofstream(path) << j.dump();
  try {
    TokenCorpus c((dir / "c").string());
    FAIL() << "a bad dtype was accepted";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), "tokens.dtype");
  }
  EXPECT_THROW(TokenCorpus((dir / "nothing").string()), FileError);
}

TEST(CorpusBuild, BadInputsAreNamed) {
  const auto dir = scratch_dir("corpus_bad_inputs");
  const std::string good = write_text(dir / "a.txt", paragraphs(5));
  const std::string missing = (dir / "missing.txt").string();
  try {
    build_corpus(options_for({good, missing}), (dir / "c").string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), missing);
  }
  const std::string only_separators = write_text(dir / "seps.txt", "%\n%\n");
  try {
    build_corpus(options_for({only_separators}), (dir / "c").string());
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), only_separators);
  }
  for (const std::string& spec :
       std::vector<std::string>{"bpe:abc", "bpe:5", "unigram:", "bpe:-3", (dir / "no_tokenizer.json").string()}) {
    try {
      build_corpus(options_for({good}, spec), (dir / "c").string());
      FAIL() << spec;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(spec), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(build_corpus(options_for({good}, "bytes", 0.9), (dir / "c").string()), UsageError);
}

TEST(CorpusBuild, BpeTrainedOnDebianFortunesRoundTrips) {
  const std::string fortunes = "/usr/share/games/fortunes/fortunes";
  if (!fs::exists(fortunes)) GTEST_SKIP() << fortunes << " missing (Debian package fortunes-min)";
  const auto dir = scratch_dir("corpus_bpe");
  const auto m = build_corpus(options_for({fortunes}, "bpe:512"), (dir / "c").string());
  EXPECT_EQ(m.tokenizer_kind, "bpe");
  EXPECT_EQ(m.tokenizer_file, "tokenizer.model");
  EXPECT_EQ(m.vocab_size, 512);
  EXPECT_EQ(m.dtype, "uint16");
  EXPECT_EQ(m.separator, std::vector<std::int64_t>{2});  // </s>
  EXPECT_TRUE(fs::exists(dir / "c" / "tokenizer.model"));
  // The saved model loads through DepthScope's own tokenizer loading, from the folder too.
  const auto tok = load_tokenizer((dir / "c").string());
  EXPECT_EQ(tok->vocab_size(), 512);
  const std::string text = file_bytes(fortunes);
  const auto ids = tok->encode(text);
  EXPECT_EQ(tok->decode(ids), text);
  EXPECT_LT(ids.size(), text.size() * 6 / 10);  // 253 learned pieces already beat bytes
  EXPECT_EQ(tok->decode(tok->encode("Caf\xC3\xA9 \xE2\x98\x95 tabs\tand\nnewlines  ")),
            "Caf\xC3\xA9 \xE2\x98\x95 tabs\tand\nnewlines  ");
  // The corpus's tokens decode to its documents.
  const TokenCorpus c((dir / "c").string());
  const std::string train = c.tokenizer()->decode(c.ids(0, c.train_tokens()));
  EXPECT_NE(train.find(std::string(split_documents(text, DocumentFormat::fortune)[0]).substr(0, 40)),
            std::string::npos);
}

TEST(CorpusBuild, UnigramTrainsToo) {
  const std::string fortunes = "/usr/share/games/fortunes/fortunes";
  if (!fs::exists(fortunes)) GTEST_SKIP() << fortunes << " missing (Debian package fortunes-min)";
  const auto dir = scratch_dir("corpus_unigram");
  const auto m = build_corpus(options_for({fortunes}, "unigram:400"), (dir / "c").string());
  EXPECT_EQ(m.tokenizer_kind, "unigram");
  EXPECT_EQ(m.vocab_size, 400);
  const auto tok = TokenCorpus((dir / "c").string()).tokenizer();
  EXPECT_EQ(tok->decode(tok->encode("A fortune, twice.\n")), "A fortune, twice.\n");
}

TEST(CorpusBuild, TooLargeVocabularyForTheTextIsAUsageError) {
  const auto dir = scratch_dir("corpus_vocab_too_large");
  const std::string file = write_text(dir / "a.txt", paragraphs(3));
  try {
    build_corpus(options_for({file}, "unigram:50000", 0.0), (dir / "c").string());
    FAIL() << "a 50000-piece unigram model was trained on 3 paragraphs";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unigram:50000"), std::string::npos) << e.what();
  }
}

TEST(CorpusBuild, TokenizerFileIsCopiedIntoTheCorpus) {
  DS_REQUIRE_SHARED("tokenizers/gpt2/encoder.json");
  const auto dir = scratch_dir("corpus_tokenizer_file");
  const std::string text = paragraphs(10);
  const auto m = build_corpus(options_for({write_text(dir / "a.txt", text)},
                                          test::shared_data("tokenizers/gpt2/encoder.json"), 0.0),
                              (dir / "c").string());
  EXPECT_EQ(m.tokenizer_kind, "file");
  EXPECT_EQ(m.tokenizer_file, "encoder.json");
  EXPECT_EQ(m.vocab_size, 50257);
  EXPECT_EQ(m.separator, std::vector<std::int64_t>{50256});  // <|endoftext|>
  EXPECT_TRUE(fs::exists(dir / "c" / "vocab.bpe"));
  const TokenCorpus c((dir / "c").string());
  const std::string decoded = c.tokenizer()->decode(c.ids(0, c.train_tokens()));
  EXPECT_EQ(decoded.substr(0, 40), text.substr(0, 40));
}

TEST(CorpusCache, ReusesUntilATextFileChanges) {
  const auto dir = scratch_dir("corpus_cache");
  const std::string file = write_text(dir / "a.txt", paragraphs(20));
  const CorpusOptions o = options_for({file});
  const auto first = build_or_open_corpus(o, (dir / "cache").string());
  EXPECT_TRUE(first.built);
  EXPECT_EQ(fs::path(first.dir).filename().string().substr(0, 6), "bytes-");
  const auto again = build_or_open_corpus(o, (dir / "cache").string());
  EXPECT_FALSE(again.built);
  EXPECT_EQ(again.dir, first.dir);
  write_text(dir / "a.txt", paragraphs(21));
  const auto changed = build_or_open_corpus(o, (dir / "cache").string());
  EXPECT_TRUE(changed.built);
  EXPECT_NE(changed.dir, first.dir);
  EXPECT_NE(corpus_cache_key(o), corpus_cache_key(options_for({file}, "bytes", 0.1)));
  // A damaged cached corpus is rebuilt, not used.
  fs::resize_file(fs::path(changed.dir) / "tokens.bin", 10);
  EXPECT_TRUE(build_or_open_corpus(o, (dir / "cache").string()).built);
  for (const auto& e : fs::directory_iterator(dir / "cache"))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(CorpusOptions, ReadFromASpec) {
  const auto o = corpus_options_from_json(
      nlohmann::json::parse(R"({"text": ["a.txt", "b.gz"], "tokenizer": "bpe:4096", "validation_fraction": 0.1})"));
  EXPECT_EQ(o.text_files, (std::vector<std::string>{"a.txt", "b.gz"}));
  EXPECT_EQ(o.tokenizer, "bpe:4096");
  EXPECT_DOUBLE_EQ(o.validation_fraction, 0.1);
  EXPECT_EQ(corpus_options_from_json(nlohmann::json::parse(R"({"text": "k.txt"})")).text_files.size(), 1u);
  try {
    corpus_options_from_json(nlohmann::json::parse(R"({"txt": []})"), "spec.corpus");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("spec.corpus.txt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace depthscope
