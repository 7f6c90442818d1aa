// depthscope-cli runs list | show | export | compare | delete: reading (and deleting) the runs
// of a run database (core/store; the numbers of `compare` come from core/store/run_summary.h).
// JSON numbers follow docs/runs.md: NaN/Inf as "NaN"/"Infinity"/"-Infinity", null = no value.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/run_json.h"
#include "app/cli/scheme_comparison_json.h"
#include "core/error.h"
#include "core/jobs/job_options.h"
#include "core/jobs/run_removal.h"
#include "core/store/metric_export.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "core/store/run_summary.h"
#include "core/store/store_limits.h"
#include "core/train/run_paths.h"

namespace depthscope::cli {
namespace {

struct RunsArgs {
  std::string db, format = "json", out, table = "both";
  std::int64_t run = 0;
  std::vector<std::int64_t> runs;
  double identity_below = store::kNearIdentityAngularDistance;
  bool json = false, files = false;
};

// Opened to write when the file and its folder can be written (opening reaps lost runs),
// else read-only: nothing is written, statuses are shown as stored. A read-write open that
// SQLite refuses for want of permission (a read-only file system) is retried read-only.
store::RunDb open_db(const std::string& path, bool quiet) {
  require_database(path);
  store::StoreOptions o = jobs::store_options_from_env();
  const std::string folder = std::filesystem::absolute(path).parent_path().string();
  o.read_only = access(path.c_str(), W_OK) != 0 || access(folder.c_str(), W_OK) != 0;
  auto note = [&] {
    if (!quiet)
      std::fprintf(stderr, "note: %s cannot be written here: opened read-only (runs whose process died "
                           "are not marked failed)\n", path.c_str());
  };
  if (o.read_only) {
    store::RunDb db(path, o);
    note();
    return db;
  }
  try {
    return store::RunDb(path, o);
  } catch (const store::DatabaseError& e) {
    const int primary = e.code() & 0xff;
    if (primary != SQLITE_READONLY && primary != SQLITE_CANTOPEN && primary != SQLITE_PERM) throw;
  }
  o.read_only = true;
  store::RunDb db(path, o);
  note();
  return db;
}

store::RunRecord require_run(store::RunDb& db, std::int64_t run) {
  const std::optional<store::RunRecord> r = db.get_run(run);
  if (!r)
    throw UsageError("there is no run " + std::to_string(run) + " in " + db.path() +
                     "; `depthscope-cli runs list --db " + db.path() + "` lists the runs");
  return *r;
}

void add_db_options(CLI::App* cmd, RunsArgs& a) {
  cmd->add_option("--db", a.db, "Run database")->required();
  cmd->add_flag("--json", a.json, "Print JSON");
}

void add_list(CLI::App* runs) {
  auto a = std::make_shared<RunsArgs>();
  auto* cmd = runs->add_subcommand("list", "Every run of a database: status, step, last update");
  add_db_options(cmd, *a);
  cmd->callback([a] {
    store::RunDb db = open_db(a->db, a->json);
    const std::vector<store::RunRecord> runs = db.list_runs();
    if (a->json) {
      nlohmann::json j = {{"runs", nlohmann::json::array()}};
      for (const store::RunRecord& r : runs) j["runs"].push_back(run_json(r));
      std::cout << j.dump() << "\n";
      return;
    }
    if (runs.empty()) {
      std::printf("no runs in %s\n", a->db.c_str());
      return;
    }
    std::printf("%5s %5s  %-24s %-11s %-9s %11s  %-19s  %s\n", "id", "exp", "name", "scheme", "status", "step",
                "updated", "error");
    for (const store::RunRecord& r : runs) {
      const std::string step = std::to_string(r.step) + "/" + std::to_string(r.steps);
      std::printf("%5lld %5s  %-24s %-11s %-9s %11s  %-19s  %s\n", static_cast<long long>(r.id),
                  r.experiment_id ? std::to_string(*r.experiment_id).c_str() : "-", r.name.c_str(), r.scheme.c_str(),
                  std::string(store::to_string(r.status)).c_str(), step.c_str(), local_time(updated_at(r)).c_str(),
                  r.error.c_str());
    }
  });
}

// A run's events, oldest first, at most kMaxEventsShown (a run database may come from
// someone else; DepthScope itself writes a handful per run). `more`: some were left out.
constexpr std::size_t kMaxEventsShown = 10000;

std::vector<store::EventRecord> run_events(store::RunDb& db, std::int64_t run, bool& more) {
  store::RowsSince<store::EventRecord> page = store::events_since(db, run, 0, kMaxEventsShown);
  more = page.more;
  return page.rows;
}

nlohmann::json paths_json(const std::vector<RunPath>& paths) {
  nlohmann::json j = nlohmann::json::array();
  for (const RunPath& p : paths) j.push_back({{"role", p.role}, {"path", p.path}, {"access", p.writes ? "write" : "read"}});
  return j;
}

void add_show(CLI::App* runs) {
  auto a = std::make_shared<RunsArgs>();
  auto* cmd = runs->add_subcommand("show", "One run: spec, status, last metrics, checkpoints, events");
  cmd->add_option("RUN", a->run, "Run id")->required();
  add_db_options(cmd, *a);
  cmd->callback([a] {
    store::RunDb db = open_db(a->db, a->json);
    const store::RunRecord r = require_run(db, a->run);
    const std::vector<store::MetricRow> last = store::last_values(db, a->run);
    const std::vector<store::CheckpointRecord> checkpoints = db.checkpoints(a->run);
    bool more_events = false;
    const std::vector<store::EventRecord> events = run_events(db, a->run, more_events);
    // What resuming this run would read and write: its author's paths, shown before use.
    std::vector<RunPath> paths;
    std::string paths_error;
    try {
      paths = run_paths(r.spec_json, checkpoints.empty() ? std::nullopt : std::optional<std::string>(checkpoints.back().path),
                        a->db + ": run " + std::to_string(r.id) + " spec_json");
    } catch (const FileError& e) {
      paths_error = e.what();
    }
    if (a->json) {
      nlohmann::json j = {{"run", run_json(r)}};
      j["paths"] = paths_error.empty() ? paths_json(paths) : nlohmann::json();
      if (!paths_error.empty()) j["paths_error"] = paths_error;
      if (more_events) j["events_truncated"] = true;
      try {
        j["spec"] = nlohmann::json::parse(r.spec_json);
      } catch (const nlohmann::json::exception&) {
        j["spec"] = r.spec_json;  // not JSON: shown as stored
      }
      j["last_metrics"] = nlohmann::json::object();
      for (const store::MetricRow& m : last) j["last_metrics"][m.key] = {{"step", m.step}, {"value", json_number(m.value)}};
      j["checkpoints"] = nlohmann::json::array();
      for (const store::CheckpointRecord& c : checkpoints)
        j["checkpoints"].push_back({{"step", c.step}, {"path", c.path}, {"created_at", c.created_at}});
      j["events"] = nlohmann::json::array();
      for (const store::EventRecord& e : events)
        j["events"].push_back({{"wall_ms", e.wall_ms}, {"level", store::to_string(e.level)}, {"message", e.message}});
      std::cout << j.dump() << "\n";
      return;
    }
    std::printf("run %lld  %s  (%s, %s)\n", static_cast<long long>(r.id), r.name.c_str(), r.scheme.c_str(),
                std::string(store::to_string(r.kind)).c_str());
    std::printf("status      %s%s%s\n", std::string(store::to_string(r.status)).c_str(), r.error.empty() ? "" : ": ",
                r.error.c_str());
    std::printf("step        %lld of %lld\n", static_cast<long long>(r.step), static_cast<long long>(r.steps));
    std::printf("process     %s\n",
                r.pid ? ("pid " + std::to_string(*r.pid) + " on " + r.host).c_str() : "none yet");
    std::printf("created     %s\nstarted     %s\nended       %s\nheartbeat   %s\n", local_time(r.created_at).c_str(),
                local_time(r.started_at.value_or(0)).c_str(), local_time(r.ended_at.value_or(0)).c_str(),
                local_time(r.heartbeat_at.value_or(0)).c_str());
    std::printf("spec        %s\n", r.spec_json.c_str());
    std::printf("paths (training or resuming this run reads or writes them)\n");
    if (!paths_error.empty()) std::printf("  cannot be read: %s\n", paths_error.c_str());
    for (const RunPath& p : paths)
      std::printf("  %-5s  %-16s %s\n", p.writes ? "write" : "read", p.role.c_str(), p.path.c_str());
    std::printf("last metrics\n");
    for (const store::MetricRow& m : last)
      std::printf("  %-20s %-12s at step %lld\n", m.key.c_str(), table_number(m.value).c_str(),
                  static_cast<long long>(m.step));
    std::printf("checkpoints\n");
    for (const store::CheckpointRecord& c : checkpoints)
      std::printf("  step %-8lld %s\n", static_cast<long long>(c.step), c.path.c_str());
    std::printf("events\n");
    for (const store::EventRecord& e : events)
      std::printf("  %s  %-7s %s\n", local_time(e.wall_ms).c_str(), std::string(store::to_string(e.level)).c_str(),
                  e.message.c_str());
    if (more_events) std::printf("  (only the first %zu events are shown)\n", kMaxEventsShown);
  });
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw UsageError("cannot write " + path.string() + " (is the folder writable, the disk full?)");
}

void add_export(CLI::App* runs) {
  auto a = std::make_shared<RunsArgs>();
  auto* cmd = runs->add_subcommand("export", "Every metric and layer-metric row of a run, as CSV or JSON");
  cmd->add_option("RUN", a->run, "Run id")->required();
  cmd->add_option("--db", a->db, "Run database")->required();
  cmd->add_option("--format", a->format, "csv or json (default json)")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--out", a->out,
                  "Folder to write into: run-<id>-metrics.csv and run-<id>-layer_metrics.csv, or run-<id>.json "
                  "(default: print)");
  cmd->add_option("--table", a->table,
                  "Printing CSV: metrics, layer_metrics or both (default: both, separated by one empty line)")
      ->check(CLI::IsMember({"metrics", "layer_metrics", "both"}));
  cmd->add_flag("--json", a->json, "With --out: print what was written as JSON");
  cmd->callback([a] {
    store::RunDb db = open_db(a->db, a->json);
    require_run(db, a->run);
    const std::vector<store::MetricRow> metrics = store::run_metrics(db, a->run);
    const std::vector<store::LayerMetricRow> layers = store::run_layer_metrics(db, a->run);
    const std::string id = std::to_string(a->run);
    if (a->out.empty()) {
      if (a->format == "json") {
        std::cout << store::metrics_json(metrics, layers) << "\n";
      } else {
        if (a->table != "layer_metrics") std::cout << store::metrics_csv(metrics);
        if (a->table == "both") std::cout << "\n";
        if (a->table != "metrics") std::cout << store::layer_metrics_csv(layers);
      }
      return;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(a->out, ec);
    std::vector<std::string> files;
    if (a->format == "json") {
      files.push_back((fs::path(a->out) / ("run-" + id + ".json")).string());
      write_file(files.back(), store::metrics_json(metrics, layers) + "\n");
    } else {
      files.push_back((fs::path(a->out) / ("run-" + id + "-metrics.csv")).string());
      write_file(files.back(), store::metrics_csv(metrics));
      files.push_back((fs::path(a->out) / ("run-" + id + "-layer_metrics.csv")).string());
      write_file(files.back(), store::layer_metrics_csv(layers));
    }
    if (a->json) {
      std::cout << nlohmann::json({{"run", a->run}, {"format", a->format}, {"files", files},
                                   {"metrics", metrics.size()}, {"layer_metrics", layers.size()}})
                       .dump()
                << "\n";
      return;
    }
    for (const std::string& f : files) std::printf("wrote %s\n", f.c_str());
    std::printf("%zu metric rows, %zu layer-metric rows\n", metrics.size(), layers.size());
  });
}

nlohmann::json summary_json(const store::RunSummary& s) {
  auto opt_int = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  return {{"id", s.run},
          {"name", s.name},
          {"scheme", s.scheme},
          {"scheme_name", scheme_display(s.scheme)},
          {"status", store::to_string(s.status)},
          {"step", s.step},
          {"steps", s.steps},
          {"final_val_ppl", json_number(s.final_val_ppl)},
          {"val_ppl_step", opt_int(s.val_ppl_step)},
          {"layer_metrics_step", opt_int(s.layer_step)},
          {"layers", s.layers},
          {"residual_variance_first", json_number(s.residual_variance_first)},
          {"residual_variance_last", json_number(s.residual_variance_last)},
          {"residual_variance_ratio", json_number(s.residual_variance_ratio)},
          {"near_identity_layers", opt_int(s.near_identity_layers)},
          {"mean_removal_delta_ppl", json_number(s.mean_removal_delta_ppl)}};
}

void add_compare(CLI::App* runs) {
  auto a = std::make_shared<RunsArgs>();
  auto* cmd = runs->add_subcommand(
      "compare", "Final val/ppl, last/first-layer residual variance, nearly-identity layers and step of runs");
  cmd->add_option("RUNS", a->runs, "Run ids")->required();
  add_db_options(cmd, *a);
  cmd->add_option("--identity-below", a->identity_below,
                  "A layer is nearly the identity when its angular_distance_next is below this (default 0.2)");
  cmd->callback([a] {
    store::RunDb db = open_db(a->db, a->json);
    std::vector<store::RunSummary> rows;
    for (std::int64_t run : a->runs) {
      require_run(db, run);
      rows.push_back(store::summarize_run(db, run, a->identity_below));
    }
    if (a->json) {
      nlohmann::json j = {{"near_identity_threshold", a->identity_below}, {"runs", nlohmann::json::array()}};
      for (const store::RunSummary& s : rows) j["runs"].push_back(summary_json(s));
      j.update(scheme_comparison_json(store::compare_schemes(rows)));
      std::cout << j.dump() << "\n";
      return;
    }
    std::printf("%5s  %-28s %-20s %-9s %11s  %10s  %12s  %s\n", "id", "name", "scheme", "status", "step", "val/ppl",
                "var L/var 1", ("layers d<" + table_number(a->identity_below)).c_str());
    for (const store::RunSummary& s : rows) {
      const std::string step = std::to_string(s.step) + "/" + std::to_string(s.steps);
      const std::string near = s.near_identity_layers
                                   ? std::to_string(*s.near_identity_layers) + " of " + std::to_string(s.layers)
                                   : "-";
      std::printf("%5lld  %-28s %-20s %-9s %11s  %10s  %12s  %s\n", static_cast<long long>(s.run), s.name.c_str(),
                  scheme_display(s.scheme).c_str(), std::string(store::to_string(s.status)).c_str(), step.c_str(), table_number(s.final_val_ppl).c_str(),
                  table_number(s.residual_variance_ratio).c_str(), near.c_str());
    }
    std::printf("val/ppl at its last evaluation; layer columns at each run's last step with layer metrics\n");
    print_scheme_comparison(store::compare_schemes(rows));
  });
}

void add_delete(CLI::App& app, CLI::App* runs) {
  auto a = std::make_shared<RunsArgs>();
  auto* cmd = runs->add_subcommand("delete", "Delete a run's rows (and with --files its checkpoints and log)");
  cmd->add_option("RUN", a->run, "Run id")->required();
  add_db_options(cmd, *a);
  cmd->add_flag("--files", a->files, "Also remove its checkpoint folders, run-<id> folder and log");
  cmd->add_option("--out", a->out, "Where its log and run folder are (default: <db name>-runs beside the database)");
  cmd->callback([a] {
    require_database(a->db);
    jobs::JobOptions o;
    o.db_path = a->db;
    o.out_dir = a->out;
    o.cli_path = "-";  // starts nothing
    o.store = jobs::store_options_from_env();
    const jobs::RemovedRun r = jobs::remove_run(o, a->run, a->files);
    if (a->json) {
      std::cout << nlohmann::json({{"run", r.run},
                                   {"rows",
                                    {{"metrics", r.rows.metrics},
                                     {"layer_metrics", r.rows.layer_metrics},
                                     {"checkpoints", r.rows.checkpoints},
                                     {"events", r.rows.events}}},
                                   {"removed", r.removed},
                                   {"kept", r.kept}})
                       .dump()
                << "\n";
      return;
    }
    std::printf("deleted run %lld: %lld metric, %lld layer-metric, %lld checkpoint and %lld event rows\n",
                static_cast<long long>(r.run), static_cast<long long>(r.rows.metrics),
                static_cast<long long>(r.rows.layer_metrics), static_cast<long long>(r.rows.checkpoints),
                static_cast<long long>(r.rows.events));
    for (const std::string& p : r.removed) std::printf("removed %s\n", p.c_str());
    for (const std::string& p : r.kept) std::printf("kept %s\n", p.c_str());
    if (!a->files && r.rows.checkpoints > 0) std::printf("its checkpoint folders stay on disk (--files removes them)\n");
  });
}

}  // namespace

void add_runs_command(CLI::App& app) {
  auto* runs = app.add_subcommand("runs", "The runs of a run database: list, show, export, compare, delete");
  runs->require_subcommand(1);
  add_list(runs);
  add_show(runs);
  add_export(runs);
  add_compare(runs);
  add_delete(app, runs);
}

}  // namespace depthscope::cli
