#include "core/io/json_text.h"

#include <cstdint>
#include <vector>

#include "core/error.h"

namespace depthscope {
namespace {

using json = nlohmann::json;

// Follows the path of the value being parsed; only consulted when parsing fails.
class PathTracker : public nlohmann::json_sax<json> {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    value();
    frames_.push_back({false, "", -1});
    return true;
  }
  bool key(string_t& k) override {
    frames_.back().key = k;
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    value();
    frames_.push_back({true, "", -1});
    return true;
  }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    error_id_ = ex.id;
    position_ = position;
    value();  // the failing token is the array's next element
    message_ = ex.what();
    return false;
  }

  // "seed", "model.layers", "corpus.text[2]"; "" at the top level.
  std::string path() const {
    std::string p;
    for (const Frame& f : frames_) {
      if (f.array) {
        if (f.index >= 0) p += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty()) {
        p += (p.empty() ? "" : ".") + f.key;
      }
    }
    return p;
  }
  int error_id() const { return error_id_; }
  std::size_t position() const { return position_; }
  const std::string& message() const { return message_; }

 private:
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }
  struct Frame {
    bool array;
    std::string key;
    std::int64_t index;
  };
  std::vector<Frame> frames_;
  int error_id_ = 0;
  std::size_t position_ = 0;
  std::string message_;
};

// nlohmann's "[json.exception.parse_error.101] parse error at ..." without the bracket.
std::string without_prefix(const std::string& m) {
  const std::size_t close = m.find("] ");
  return m.rfind("[json.exception.", 0) == 0 && close != std::string::npos ? m.substr(close + 2) : m;
}

// Line and column (from 1) of the byte just before `position` bytes were read.
std::string line_column(const std::string& text, std::size_t position) {
  std::size_t line = 1, column = 0;
  for (std::size_t i = 0; i < position && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column == 0 ? 1 : column);
}

}  // namespace

json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::exception&) {
    // Parse again, following the path, to say where it failed.
  }
  PathTracker tracker;
  json::sax_parse(text, &tracker);
  if (tracker.error_id() == 406)  // a number out of range: the value's path is its field
    throw FileError(source, tracker.path(),
                    "is out of range (" + line_column(text, tracker.position()) +
                        "): " + without_prefix(tracker.message()));
  throw FileError(source, "", "is not valid JSON: " + without_prefix(tracker.message()));
}

}  // namespace depthscope
