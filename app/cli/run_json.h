#pragma once
// How the `runs` and `jobs` commands print runs: one JSON shape for a run record and the
// number convention of the run database's exports (docs/runs.md): NaN, +Inf and -Inf as the
// strings "NaN", "Infinity" and "-Infinity"; null only for a value that does not exist.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/store/run_records.h"

namespace depthscope::cli {

nlohmann::json json_number(double v);
nlohmann::json json_number(const std::optional<double>& v);  // null when empty

// The latest of created_at, started_at, heartbeat_at and ended_at.
std::int64_t updated_at(const store::RunRecord& r);

// {"id","experiment","name","scheme","kind","status","step","steps","pid","host","created_at",
//  "started_at","ended_at","heartbeat_at","updated_at","error"}; experiment is the experiment id.
nlohmann::json run_json(const store::RunRecord& r);

// "2026-12-01 14:03:12" in local time; "-" for 0.
std::string local_time(std::int64_t wall_ms);
// A run's scheme word as people read it: "pre+gpas" -> "Pre-LN + GPAS"; a word DepthScope does
// not know is shown as stored.
std::string scheme_display(const std::string& word);
// A double for a table: "nan", "inf", "-" for none, else %.4g.
std::string table_number(const std::optional<double>& v);

// Opens nothing: throws UsageError when the database file does not exist, so reading commands
// never create an empty database by mistake.
void require_database(const std::string& db_path);

}  // namespace depthscope::cli
