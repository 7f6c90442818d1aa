#pragma once
// Parsing JSON text that a user wrote (a training spec) or that came with a file (a run
// database's spec_json), so that every error names the file and the field: nlohmann's own
// exceptions name neither, and a number out of double's range such as 1e400 is an
// out_of_range (406), not a parse_error, so a `catch (parse_error)` lets it escape.
#include <string>

#include <nlohmann/json.hpp>

namespace depthscope {

// The parsed text. Throws FileError(source, field, problem): for a number out of range the
// field is the value's path ("seed", "model.layers", "corpus.text[2]") and the problem gives
// its line and column; for a syntax error the problem gives the line and column (the field
// is empty: it may be the error that ends a key).
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

}  // namespace depthscope
