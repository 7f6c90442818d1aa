#pragma once
// What the run database holds, as plain structs: no SQLite, torch or Qt types, so the
// GUI can include this. Ids are the tables' AUTOINCREMENT ids (never reused). Times are
// milliseconds since the Unix epoch, UTC. Layers are numbered 1..L as in the paper.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace depthscope::store {

enum class RunKind { train, finetune };
enum class RunStatus { queued, running, stopped, finished, failed, diverged };
enum class EventLevel { debug, info, warning, error };

// The words stored in the database ("train", "running", "warning", ...).
std::string_view to_string(RunKind kind);
std::string_view to_string(RunStatus status);
std::string_view to_string(EventLevel level);
// Parse those words; throw UsageError naming the unknown word and the known ones.
RunKind parse_run_kind(std::string_view word);
RunStatus parse_run_status(std::string_view word);
EventLevel parse_event_level(std::string_view word);

// stopped, finished, failed, diverged: the run's process is done with it.
bool is_terminal(RunStatus status);

// The error a reaped run carries (RunDb::reap_stale_runs).
inline constexpr std::string_view kProcessLost = "process lost";

struct Experiment {
  std::int64_t id = 0;
  std::string name;
  std::string spec_json;
  std::int64_t created_at = 0;
};

// What create_run needs; the rest of a RunRecord is filled in as it runs.
struct NewRun {
  std::optional<std::int64_t> experiment_id;
  std::string name;
  std::string scheme;  // NormScheme word: pre, lns, post, ...
  RunKind kind = RunKind::train;
  std::string spec_json = "{}";
  std::int64_t steps = 0;  // planned optimiser steps
};

struct RunRecord {
  std::int64_t id = 0;
  std::optional<std::int64_t> experiment_id;
  std::string name;
  std::string scheme;
  RunKind kind = RunKind::train;
  RunStatus status = RunStatus::queued;
  std::string spec_json;
  std::optional<std::int64_t> pid;
  std::string host;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> started_at, ended_at, heartbeat_at;
  std::int64_t step = 0;   // last step reported by heartbeat()
  std::int64_t steps = 0;  // planned steps
  std::string error;       // empty unless failed/diverged/stopped with a reason
};

struct CheckpointRecord {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::int64_t step = 0;
  std::string path;
  std::int64_t created_at = 0;
};

struct EventRecord {
  std::int64_t id = 0;
  std::optional<std::int64_t> run_id;  // empty for workspace-wide events
  std::int64_t wall_ms = 0;
  EventLevel level = EventLevel::info;
  std::string message;
};

// One scalar of a run at one step (train/loss, val/ppl, ...). `value` may be NaN or
// +-Inf: the store keeps them exactly (docs/runs.md, "NaN and infinities").
struct MetricRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string key;
  std::int64_t step = 0;
  double value = 0;
  std::int64_t wall_ms = 0;
};

// One per-layer value (residual_variance, grad_norm, ...) of layer 1..L at one step.
struct LayerMetricRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string key;
  std::int64_t step = 0;
  int layer = 0;
  double value = 0;
};

}  // namespace depthscope::store
