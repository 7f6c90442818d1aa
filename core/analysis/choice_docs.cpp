#include "core/analysis/choice_docs.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace depthscope {

namespace {

using nlohmann::json;

// Reads fields of one JSON line; every refusal names the file, the line and the field.
struct Line {
  const std::string& path;
  std::int64_t number;
  const json& j;

  [[noreturn]] void refuse(const std::string& field, const std::string& problem) const {
    throw FileError(path, "line " + std::to_string(number) + (field.empty() ? "" : ": " + field), problem);
  }
  const json& at(const std::string& field) const {
    if (!j.contains(field)) refuse(field, "missing");
    return j[field];
  }
  std::string text(const std::string& field) const {
    const json& v = at(field);
    if (!v.is_string()) refuse(field, "expected a string");
    return v.get<std::string>();
  }
  std::vector<std::string> texts(const json& v, const std::string& field, std::size_t at_least = 2) const {
    if (!v.is_array() || v.size() < at_least)
      refuse(field, "expected an array of at least " + std::to_string(at_least) + " strings");
    std::vector<std::string> out;
    for (const json& c : v) {
      if (!c.is_string()) refuse(field, "every entry must be a string");
      out.push_back(c.get<std::string>());
    }
    return out;
  }
  // An index given as a number or a string of digits ("2", as HellaSwag's label is).
  std::int64_t index(const std::string& field, std::size_t count) const {
    const json& v = at(field);
    std::int64_t i = -1;
    const std::string digits = v.is_string() ? v.get<std::string>() : std::string();
    if (v.is_number_integer()) i = v.get<std::int64_t>();
    else if (!digits.empty() && digits.size() < 10 &&
             std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      i = std::stoll(digits);
    else refuse(field, "expected a 0-based index");
    if (i < 0 || i >= static_cast<std::int64_t>(count))
      refuse(field, "index " + std::to_string(i) + " is not in 0.." + std::to_string(count - 1));
    return i;
  }
};

ChoiceFormat detect(const Line& l) {
  const json& j = l.j;
  if (j.contains("query") && j.contains("gold")) return ChoiceFormat::lm_eval;
  if (j.contains("context") && j.contains("answer")) return ChoiceFormat::depthscope;
  if (j.contains("answerKey")) return ChoiceFormat::arc;
  if (j.contains("ctx_a") && j.contains("endings")) return ChoiceFormat::hellaswag;
  if (j.contains("goal") && j.contains("sol1")) return ChoiceFormat::piqa;
  if (j.contains("question") && j.contains("answer") && j.contains("choices")) return ChoiceFormat::mmlu;
  l.refuse("", "format not recognised: expected the keys of lm-eval {query, choices, gold}, DepthScope "
              "{context, choices, answer}, ARC, HellaSwag, PIQA or MMLU (or give --format)");
}

// Python's str.capitalize for ASCII: the first character upper case, the rest lower case.
std::string capitalize(std::string s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<char>(i == 0 ? std::toupper(static_cast<unsigned char>(s[i]))
                                    : std::tolower(static_cast<unsigned char>(s[i])));
  return s;
}

std::string strip(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\n\r\f\v");
  return s.substr(b, e - b + 1);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

ChoiceDoc read_doc(const Line& l, ChoiceFormat format) {
  ChoiceDoc d;
  switch (format) {
    case ChoiceFormat::lm_eval:
      d.query = l.text("query");
      d.choices = l.texts(l.at("choices"), "choices");
      d.gold = l.index("gold", d.choices.size());
      break;
    case ChoiceFormat::depthscope: {
      d.query = l.text("context");
      d.choices = l.texts(l.at("choices"), "choices");
      const json& a = l.at("answer");
      if (a.is_string()) {
        const auto it = std::find(d.choices.begin(), d.choices.end(), a.get<std::string>());
        if (it == d.choices.end()) l.refuse("answer", "text matches none of the choices");
        d.gold = it - d.choices.begin();
      } else {
        d.gold = l.index("answer", d.choices.size());
      }
      break;
    }
    case ChoiceFormat::arc: {
      const json& c = l.at("choices");
      if (!c.is_object() || !c.contains("text") || !c.contains("label"))
        l.refuse("choices", "expected an object with arrays text and label");
      d.query = "Question: " + l.text("question") + "\nAnswer:";
      d.choices = l.texts(c["text"], "choices.text");
      const std::vector<std::string> labels = l.texts(c["label"], "choices.label");
      if (labels.size() != d.choices.size()) l.refuse("choices.label", "not as many labels as texts");
      const auto it = std::find(labels.begin(), labels.end(), l.text("answerKey"));
      if (it == labels.end()) l.refuse("answerKey", "matches none of choices.label");
      d.gold = it - labels.begin();
      break;
    }
    case ChoiceFormat::hellaswag: {
      const std::string ctx = l.text("ctx_a") + " " + capitalize(l.text("ctx_b"));
      d.query = hellaswag_preprocess(l.text("activity_label") + ": " + ctx);
      for (const std::string& e : l.texts(l.at("endings"), "endings")) d.choices.push_back(hellaswag_preprocess(e));
      d.gold = l.index("label", d.choices.size());
      break;
    }
    case ChoiceFormat::piqa:
      d.query = "Question: " + l.text("goal") + "\nAnswer:";
      d.choices = {l.text("sol1"), l.text("sol2")};
      d.gold = l.index("label", 2);
      break;
    case ChoiceFormat::mmlu: {
      const std::vector<std::string> options = l.texts(l.at("choices"), "choices", 4);
      if (options.size() != 4) l.refuse("choices", "MMLU has exactly four options");
      if (l.j.contains("subject"))
        d.description = "The following are multiple choice questions (with answers) about " +
                        replace_all(l.text("subject"), "_", " ") + ".\n\n";
      d.query = strip(l.text("question"));
      const char* letters[] = {"A", "B", "C", "D"};
      for (int i = 0; i < 4; ++i) d.query += std::string("\n") + letters[i] + ". " + options[static_cast<std::size_t>(i)];
      d.query += "\nAnswer:";
      d.choices = {"A", "B", "C", "D"};
      d.gold = l.index("answer", 4);
      break;
    }
    case ChoiceFormat::detect: break;
  }
  return d;
}

}  // namespace

ChoiceFormat parse_choice_format(const std::string& name) {
  for (ChoiceFormat f : {ChoiceFormat::detect, ChoiceFormat::lm_eval, ChoiceFormat::depthscope, ChoiceFormat::arc,
                         ChoiceFormat::hellaswag, ChoiceFormat::piqa, ChoiceFormat::mmlu})
    if (name == to_string(f)) return f;
  throw UsageError("--format " + name + ": expected auto, lm-eval, depthscope, arc, hellaswag, piqa or mmlu");
}

const char* to_string(ChoiceFormat format) {
  switch (format) {
    case ChoiceFormat::detect: return "auto";
    case ChoiceFormat::lm_eval: return "lm-eval";
    case ChoiceFormat::depthscope: return "depthscope";
    case ChoiceFormat::arc: return "arc";
    case ChoiceFormat::hellaswag: return "hellaswag";
    case ChoiceFormat::piqa: return "piqa";
    case ChoiceFormat::mmlu: return "mmlu";
  }
  return "?";
}

std::vector<ChoiceDoc> read_choice_docs(const std::string& path, ChoiceFormat format, ChoiceFormat* used) {
  std::ifstream in(path);
  if (!in) throw FileError(path, "", "cannot open the multiple-choice file");
  std::vector<ChoiceDoc> docs;
  std::string text;
  for (std::int64_t n = 1; std::getline(in, text); ++n) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(text);
    } catch (const json::exception& e) {
      throw FileError(path, "line " + std::to_string(n), std::string("not valid JSON (") + e.what() + ")");
    }
    const Line line{path, n, j};
    if (!j.is_object()) line.refuse("", "expected a JSON object");
    if (format == ChoiceFormat::detect) format = detect(line);
    docs.push_back(read_doc(line, format));
  }
  if (docs.empty()) throw FileError(path, "", "no items (expected one JSON object per line)");
  if (used) *used = format;
  return docs;
}

std::string hellaswag_preprocess(const std::string& text) {
  std::string s = replace_all(strip(text), " [title]", ". ");
  s = std::regex_replace(s, std::regex("\\[.*?\\]"), "");
  return replace_all(s, "  ", " ");
}

std::string fewshot_context(const ChoiceDoc& doc, const std::vector<ChoiceDoc>& shots) {
  std::string context = doc.description;
  for (const ChoiceDoc& shot : shots)
    context += shot.query + " " + shot.choices[static_cast<std::size_t>(shot.gold)] + "\n\n";
  return context + doc.query;
}

}  // namespace depthscope
