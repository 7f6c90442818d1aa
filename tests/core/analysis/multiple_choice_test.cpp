// Multiple choice as lm-evaluation-harness scores it: the formats, the requests (target
// delimiter, the whitespace rule, BOS, few-shot) and the metrics, on hand-made items whose
// answers are worked out here.
#include "core/analysis/multiple_choice.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

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

// A GPT-2-like toy encoder: a token is a word with the spaces before it (" yes"); spaces at
// the end of the text are one token of their own. Ids are given in order of first sight.
struct WordEncoder {
  std::map<std::string, std::int64_t> ids;
  std::vector<std::string> words;
  std::vector<std::int64_t> operator()(const std::string& text) {
    std::vector<std::int64_t> out;
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t j = i;
      while (j < text.size() && text[j] == ' ') ++j;
      if (j == text.size()) {  // trailing spaces
        out.push_back(id(text.substr(i)));
        break;
      }
      while (j < text.size() && text[j] != ' ') ++j;
      out.push_back(id(text.substr(i, j - i)));
      i = j;
    }
    return out;
  }
  std::int64_t id(const std::string& w) {
    auto [it, added] = ids.emplace(w, static_cast<std::int64_t>(words.size()) + 10);
    if (added) words.push_back(w);
    return it->second;
  }
  std::vector<std::string> text(const std::vector<std::int64_t>& t) const {
    std::vector<std::string> out;
    for (std::int64_t i : t) out.push_back(i < 10 ? "<bos>" : words[static_cast<std::size_t>(i - 10)]);
    return out;
  }
};

ChoiceDoc doc(std::string query, std::vector<std::string> choices, std::int64_t gold) {
  ChoiceDoc d;
  d.query = std::move(query);
  d.choices = std::move(choices);
  d.gold = gold;
  return d;
}

TEST(ChoiceRequest, ContinuationIsDelimiterPlusChoiceTokenizedAfterTheContext) {
  WordEncoder enc;
  const EncodeText encode = [&](const std::string& s) { return enc(s); };
  const MultipleChoiceItem item = choice_request("Is it? Answer:", doc("Is it? Answer:", {"yes", "no way"}, 1), encode, 1, false);
  EXPECT_EQ(enc.text(item.context), (std::vector<std::string>{"Is", " it?", " Answer:"}));  // no BOS by default
  EXPECT_EQ(enc.text(item.choices[0]), (std::vector<std::string>{" yes"}));
  EXPECT_EQ(enc.text(item.choices[1]), (std::vector<std::string>{" no", " way"}));
  EXPECT_EQ(item.choice_chars, (std::vector<std::int64_t>{3, 6}));  // the choice, not the delimiter
  EXPECT_EQ(item.answer, 1);
  // --add-bos: BOS before the non-empty context.
  const MultipleChoiceItem bos = choice_request("Is it? Answer:", doc("q", {"yes", "no"}, 0), encode, 1, true);
  EXPECT_EQ(bos.context.front(), 1);
  EXPECT_EQ(bos.choices[0], item.choices[0]);
}

TEST(ChoiceRequest, TrailingSpacesOfTheContextMoveOntoTheContinuation) {
  WordEncoder enc;
  const EncodeText encode = [&](const std::string& s) { return enc(s); };
  // Context "Answer: " (one trailing space): lm-eval scores "Answer:" + "  yes". Encoding the
  // context with its space would give ["Answer:", " "] and the continuation [" yes"] instead.
  const MultipleChoiceItem item = choice_request("Answer: ", doc("Answer: ", {"yes", "no"}, 0), encode, std::nullopt, false);
  EXPECT_EQ(enc.text(item.context), (std::vector<std::string>{"Answer:"}));
  EXPECT_EQ(enc.text(item.choices[0]), (std::vector<std::string>{"  yes"}));
}

TEST(ChoiceRequest, AnEmptyContextIsTheBosToken) {
  WordEncoder enc;
  const EncodeText encode = [&](const std::string& s) { return enc(s); };
  const MultipleChoiceItem item = choice_request("", doc("", {"cat", "dog"}, 1), encode, 2, false);
  EXPECT_EQ(item.context, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(enc.text(item.choices[1]), (std::vector<std::string>{" dog"}));
  EXPECT_THROW(choice_request("", doc("", {"cat", "dog"}, 1), encode, std::nullopt, false), UsageError);
}

TEST(ChoiceScores, AccAndAccNormPickDifferentAnswersAndStderrIsTheSampleOne) {
  std::vector<MultipleChoiceItem> items(4);
  for (MultipleChoiceItem& it : items) {
    it.context = {1};
    it.choices = {{5}, {6, 7, 8}};
    it.choice_chars = {1, 8};  // "a" and "bbbbbbbb"
    it.answer = 1;
  }
  // Item 0: sums -2 ("a") and -4: acc picks 0 (wrong); per character -2 and -0.5: acc_norm
  // picks 1 (right); per token -2 and -1.333: per-token picks 1.
  // Items 1-3: both metrics right (sums -9 and -1), except item 3 whose answer is 0.
  std::vector<std::vector<double>> loglik = {{-2, -4}, {-9, -1}, {-9, -1}, {-9, -1}};
  items[3].answer = 0;
  const MultipleChoiceResult r = score_choices(items, loglik);
  EXPECT_EQ(r.items, 4);
  EXPECT_DOUBLE_EQ(r.acc, 2.0 / 4);       // items 1, 2
  EXPECT_DOUBLE_EQ(r.acc_norm, 3.0 / 4);  // items 0, 1, 2
  EXPECT_DOUBLE_EQ(r.acc_per_token, 3.0 / 4);
  // acc outcomes 0,1,1,0: mean 0.5, sample variance (4 * 0.25) / 3, stderr sqrt(1/3 / 4).
  EXPECT_NEAR(r.acc_stderr, std::sqrt((1.0 / 3.0) / 4.0), 1e-15);
  // acc_norm outcomes 1,1,1,0: mean 0.75, sample variance (3 * 0.0625 + 0.5625) / 3 = 0.25.
  EXPECT_NEAR(r.acc_norm_stderr, std::sqrt(0.25 / 4.0), 1e-15);
  // One item: no standard error.
  EXPECT_TRUE(std::isnan(score_choices({items[0]}, {loglik[0]}).acc_stderr));
}

TEST(ChoiceDocs, EachFormatReadsAsLmEvalPreprocessesIt) {
  ChoiceFormat used = ChoiceFormat::detect;
  auto one = [&](const std::string& name, const std::string& line, ChoiceFormat f = ChoiceFormat::detect) {
    const std::vector<ChoiceDoc> docs = read_choice_docs(write(name, line + "\n"), f, &used);
    EXPECT_EQ(docs.size(), 1u);
    return docs.front();
  };
  ChoiceDoc d = one("lmeval", R"({"query": "Q: 2+2?", "choices": ["3", "4"], "gold": 1})");
  EXPECT_EQ(used, ChoiceFormat::lm_eval);
  EXPECT_EQ(d.query, "Q: 2+2?");
  EXPECT_EQ(d.gold, 1);

  d = one("depthscope", R"({"context": "The sky is", "choices": ["blue", "green"], "answer": "blue"})");
  EXPECT_EQ(used, ChoiceFormat::depthscope);
  EXPECT_EQ(d.gold, 0);

  d = one("arc", R"({"question": "Which is a gas?", "choices": {"text": ["ice", "steam", "rock"], "label": ["A", "B", "C"]}, "answerKey": "B"})");
  EXPECT_EQ(used, ChoiceFormat::arc);
  EXPECT_EQ(d.query, "Question: Which is a gas?\nAnswer:");
  EXPECT_EQ(d.choices, (std::vector<std::string>{"ice", "steam", "rock"}));
  EXPECT_EQ(d.gold, 1);

  d = one("hellaswag", R"({"activity_label": "Baking", "ctx_a": "She mixes the flour.", "ctx_b": "SHE then", "endings": ["pours it [title] out.", "eats  it."], "label": "1"})");
  EXPECT_EQ(used, ChoiceFormat::hellaswag);
  EXPECT_EQ(d.query, "Baking: She mixes the flour. She then");  // ctx_b capitalised as Python does
  EXPECT_EQ(d.choices, (std::vector<std::string>{"pours it. out.", "eats it."}));
  EXPECT_EQ(d.gold, 1);
  EXPECT_EQ(hellaswag_preprocess(" A [header] step [step] two "), "A step two");

  d = one("piqa", R"({"goal": "Open a jar", "sol1": "twist the lid", "sol2": "shout at it", "label": 0})");
  EXPECT_EQ(used, ChoiceFormat::piqa);
  EXPECT_EQ(d.query, "Question: Open a jar\nAnswer:");
  EXPECT_EQ(d.choices.size(), 2u);

  d = one("mmlu", R"({"question": " What is 1+1? ", "choices": ["1", "2", "3", "4"], "answer": 1, "subject": "elementary_mathematics"})");
  EXPECT_EQ(used, ChoiceFormat::mmlu);
  EXPECT_EQ(d.description, "The following are multiple choice questions (with answers) about elementary mathematics.\n\n");
  EXPECT_EQ(d.query, "What is 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:");
  EXPECT_EQ(d.choices, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(d.gold, 1);

  // --format given: a line of another format is refused, naming the field.
  try {
    one("forced", R"({"query": "q", "choices": ["a", "b"], "gold": 0})", ChoiceFormat::piqa);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "line 1: goal");
  }
  EXPECT_EQ(parse_choice_format("hellaswag"), ChoiceFormat::hellaswag);
  EXPECT_THROW(parse_choice_format("squad"), UsageError);
}

TEST(ChoiceDocs, FewShotExamplesAreJoinedAsLmEvalJoinsThem) {
  ChoiceDoc target = doc("Question: C?\nAnswer:", {"x", "y"}, 0);
  target.description = "About letters.\n\n";
  const std::vector<ChoiceDoc> shots = {doc("Question: A?\nAnswer:", {"a1", "a2"}, 1),
                                        doc("Question: B?\nAnswer:", {"b1", "b2"}, 0)};
  EXPECT_EQ(fewshot_context(target, shots),
            "About letters.\n\nQuestion: A?\nAnswer: a2\n\nQuestion: B?\nAnswer: b1\n\nQuestion: C?\nAnswer:");
  EXPECT_EQ(fewshot_context(target, {}), "About letters.\n\nQuestion: C?\nAnswer:");
}

TEST(MultipleChoiceFile, LoadsFewShotRequestsWithTheTokenizer) {
  const auto bytes = make_byte_tokenizer();
  const std::string items = write("fs_items", R"({"query": "c?", "choices": ["x", "yy"], "gold": 1})"
                                              "\n");
  const std::string shots = write("fs_shots", R"({"query": "a?", "choices": ["p", "q"], "gold": 0})"
                                              "\n"
                                              R"({"query": "b?", "choices": ["r", "s"], "gold": 1})"
                                              "\n");
  ChoiceOptions o;
  o.fewshot_file = shots;
  o.num_fewshot = 2;
  const std::vector<MultipleChoiceItem> got = load_multiple_choice(items, *bytes, o);
  ASSERT_EQ(got.size(), 1u);
  const std::string context = "a? p\n\nb? s\n\nc?";
  EXPECT_EQ(bytes->encode(context), got[0].context);
  EXPECT_EQ(bytes->encode(" yy"), got[0].choices[1]);
  EXPECT_EQ(got[0].choice_chars, (std::vector<std::int64_t>{1, 2}));
  o.num_fewshot = 3;
  EXPECT_THROW(load_multiple_choice(items, *bytes, o), FileError);  // only two examples
  o.fewshot_file.clear();
  EXPECT_THROW(load_multiple_choice(items, *bytes, o), UsageError);
}

TEST(MultipleChoiceFile, ErrorsNameTheLineAndField) {
  const auto bytes = make_byte_tokenizer();
  const std::string path = write("bad",
                                 "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 0}\n"
                                 "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 2}\n");
  try {
    load_multiple_choice(path, *bytes);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), "line 2: answer");
  }
  EXPECT_THROW(load_multiple_choice(write("json", "{nope\n"), *bytes), FileError);
  EXPECT_THROW(load_multiple_choice(write("empty", "\n"), *bytes), FileError);
  EXPECT_THROW(load_multiple_choice(write("missing", "{\"context\": \"a\", \"choices\": [\"b\", \"c\"]}\n"), *bytes),
               FileError);
}

}  // namespace
}  // namespace depthscope
