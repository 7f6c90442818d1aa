#include "core/store/metric_export.h"

#include "core/io/json_numbers.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace depthscope::store {
namespace {

// Shortest text that reads back as the same double.
std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// RFC 4180: quote a field holding a comma, quote or line break; double inner quotes.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

nlohmann::json json_value(double v) { return json_number(v); }  // core/io/json_numbers.h

}  // namespace

std::string metrics_csv(const std::vector<MetricRow>& rows) {
  std::string out = "run_id,key,step,value,wall_ms\n";
  for (const MetricRow& r : rows)
    out += std::to_string(r.run_id) + "," + field(r.key) + "," + std::to_string(r.step) + "," +
           number(r.value) + "," + std::to_string(r.wall_ms) + "\n";
  return out;
}

std::string layer_metrics_csv(const std::vector<LayerMetricRow>& rows) {
  std::string out = "run_id,key,step,layer,value\n";
  for (const LayerMetricRow& r : rows)
    out += std::to_string(r.run_id) + "," + field(r.key) + "," + std::to_string(r.step) + "," +
           std::to_string(r.layer) + "," + number(r.value) + "\n";
  return out;
}

std::string metrics_json(const std::vector<MetricRow>& rows,
                         const std::vector<LayerMetricRow>& layer_rows) {
  nlohmann::json j = {{"metrics", nlohmann::json::array()},
                      {"layer_metrics", nlohmann::json::array()}};
  for (const MetricRow& r : rows)
    j["metrics"].push_back({{"run_id", r.run_id}, {"key", r.key}, {"step", r.step},
                            {"value", json_value(r.value)}, {"wall_ms", r.wall_ms}});
  for (const LayerMetricRow& r : layer_rows)
    j["layer_metrics"].push_back({{"run_id", r.run_id}, {"key", r.key}, {"step", r.step},
                                  {"layer", r.layer}, {"value", json_value(r.value)}});
  return j.dump(1);
}

}  // namespace depthscope::store
