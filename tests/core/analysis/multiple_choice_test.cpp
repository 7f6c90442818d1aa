#include "core/analysis/multiple_choice.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "core/tokenize/tokenizer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const auto dir = test::scratch_dir("multiple_choice_" + name);
  const std::string path = (dir / "items.jsonl").string();
  std::ofstream(path) << text;
  return path;
}

TEST(MultipleChoiceFile, ReadsItemsAsContinuationTokens) {
  const auto bytes = make_byte_tokenizer();
  const std::string path = write("ok",
                                 "{\"context\": \"ab\", \"choices\": [\"c\", \"de\"], \"answer\": 1}\n"
                                 "\n"
                                 "{\"context\": \"x\", \"choices\": [\"y\", \"z\"], \"answer\": \"z\"}\n");
  const auto items = load_multiple_choice_jsonl(path, *bytes, 1);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].context, (std::vector<std::int64_t>{1, 'a', 'b'}));
  EXPECT_EQ(items[0].choices[1], (std::vector<std::int64_t>{'d', 'e'}));
  EXPECT_EQ(items[0].answer, 1);
  EXPECT_EQ(items[1].answer, 1);
  const auto no_bos = load_multiple_choice_jsonl(path, *bytes, std::nullopt);
  EXPECT_EQ(no_bos[1].context, (std::vector<std::int64_t>{'x'}));
}

TEST(MultipleChoiceFile, ErrorsNameTheLineAndField) {
  const auto bytes = make_byte_tokenizer();
  const std::string path = write("bad",
                                 "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 0}\n"
                                 "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 2}\n");
  try {
    load_multiple_choice_jsonl(path, *bytes, std::nullopt);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), "line 2: answer");
  }
  EXPECT_THROW(load_multiple_choice_jsonl(write("json", "{nope\n"), *bytes, std::nullopt), FileError);
  EXPECT_THROW(load_multiple_choice_jsonl(write("empty", "\n"), *bytes, std::nullopt), FileError);
  EXPECT_THROW(load_multiple_choice_jsonl(write("missing", "{\"context\": \"a\", \"choices\": [\"b\", \"c\"]}\n"),
                                          *bytes, std::nullopt),
               FileError);
}

}  // namespace
}  // namespace depthscope
