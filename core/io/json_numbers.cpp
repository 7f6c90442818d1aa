#include "core/io/json_numbers.h"

#include <cmath>

namespace depthscope {

nlohmann::json json_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

nlohmann::json faithful_json(nlohmann::json j) {
  if (j.is_number_float()) return json_number(j.get<double>());
  if (j.is_structured())
    for (auto& child : j) child = faithful_json(std::move(child));
  return j;
}

}  // namespace depthscope
