#include "app/cli/run_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "core/error.h"
#include "core/io/json_numbers.h"
#include "core/model/scheme_words.h"

namespace depthscope::cli {

nlohmann::json json_number(double v) { return depthscope::json_number(v); }  // core/io/json_numbers.h

nlohmann::json json_number(const std::optional<double>& v) { return v ? json_number(*v) : nlohmann::json(); }

std::int64_t updated_at(const store::RunRecord& r) {
  std::int64_t t = r.created_at;
  for (const auto& o : {r.started_at, r.heartbeat_at, r.ended_at})
    if (o) t = std::max(t, *o);
  return t;
}

namespace {
template <class T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}
}  // namespace

nlohmann::json run_json(const store::RunRecord& r) {
  return {{"id", r.id},
          {"experiment", or_null(r.experiment_id)},
          {"name", r.name},
          {"scheme", r.scheme},
          {"kind", store::to_string(r.kind)},
          {"status", store::to_string(r.status)},
          {"step", r.step},
          {"steps", r.steps},
          {"pid", or_null(r.pid)},
          {"host", r.host.empty() ? nlohmann::json() : nlohmann::json(r.host)},
          {"created_at", r.created_at},
          {"started_at", or_null(r.started_at)},
          {"ended_at", or_null(r.ended_at)},
          {"heartbeat_at", or_null(r.heartbeat_at)},
          {"updated_at", updated_at(r)},
          {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)}};
}

std::string local_time(std::int64_t wall_ms) {
  if (wall_ms <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string scheme_display(const std::string& word) { return scheme_word_display_name(word); }

std::string table_number(const std::optional<double>& v) {
  if (!v) return "-";
  if (std::isnan(*v)) return "nan";
  if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", *v);
  return buf;
}

void require_database(const std::string& db_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec))
    throw UsageError("there is no run database at " + db_path +
                     " (check --db; `depthscope-cli jobs start --spec SPEC.json --db " + db_path +
                     "` creates one)");
}

}  // namespace depthscope::cli
