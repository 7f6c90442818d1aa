#pragma once
// How DepthScope writes numbers that JSON cannot hold, everywhere (CLI output, exports): NaN,
// +Inf and -Inf become the strings "NaN", "Infinity" and "-Infinity" -- what Python's float()
// and JavaScript's Number() read back -- so an overflowed statistic or a diverged loss is
// never mistaken for a number or for a missing value (null means "no value").
#include <nlohmann/json.hpp>

namespace depthscope {

// The number, or its string when it is not finite.
nlohmann::json json_number(double v);

// A copy of `j` with every non-finite floating-point number replaced by its string.
nlohmann::json faithful_json(nlohmann::json j);

}  // namespace depthscope
