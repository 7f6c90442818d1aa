// remove_run (core/jobs/run_removal.h). Only folders that look like the trainer's checkpoints
// (<...>/run-<id>/step-<k>) are removed, so a path edited into the database by hand never
// makes `runs delete --files` remove something else.
#include "core/jobs/run_removal.h"

#include <filesystem>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/store/process_probe.h"
#include "core/store/run_db.h"

namespace depthscope::jobs {
namespace {

namespace fs = std::filesystem;

bool is_step_folder(const fs::path& p) {
  static const std::regex step("step-[0-9]+((\\.[0-9]+)?\\.partial)?");
  return std::regex_match(p.filename().string(), step);
}

void remove_path(const fs::path& p, RemovedRun& out) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return;
  fs::remove_all(p, ec);
  if (ec) throw UsageError("cannot remove " + p.string() + ": " + ec.message());
  out.removed.push_back(p.string());
}

}  // namespace

RemovedRun remove_run(const JobOptions& options, std::int64_t run, bool files) {
  const JobOptions o = resolved(options);
  store::RunDb db(o.db_path, o.store);  // opening reaps lost runs
  const std::optional<store::RunRecord> r = db.get_run(run);
  if (!r) throw UsageError("there is no run " + std::to_string(run) + " in " + o.db_path);
  const bool live = (r->status == store::RunStatus::running || r->status == store::RunStatus::queued) && r->pid &&
                    (r->host != store::this_host() || store::process_alive(*r->pid));
  if (live)
    throw UsageError("run " + std::to_string(run) + " is " + std::string(store::to_string(r->status)) + " (pid " +
                     std::to_string(*r->pid) + " on " + r->host + "); stop it first (`depthscope-cli jobs stop " +
                     std::to_string(run) + " --db " + o.db_path + "`), then delete it");

  RemovedRun out;
  out.run = run;
  const std::vector<store::CheckpointRecord> checkpoints = db.checkpoints(run);
  out.rows = store::count_run_rows(db, run);
  db.delete_run(run);
  if (!files) return out;

  const std::string run_folder = "run-" + std::to_string(run);
  std::set<fs::path> folders{fs::path(o.out_dir) / run_folder};
  for (const store::CheckpointRecord& c : checkpoints) {
    const fs::path p(c.path);
    if (!is_step_folder(p) || p.parent_path().filename() != run_folder) {
      out.kept.push_back(c.path + " (not a checkpoint folder <out>/" + run_folder + "/step-<k> of this run)");
      continue;
    }
    remove_path(p, out);
    folders.insert(p.parent_path());
  }
  for (const fs::path& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    // Folders a killed process left half-written.
    std::vector<fs::path> partial;
    for (const fs::directory_entry& e : fs::directory_iterator(folder, ec))
      if (e.is_directory() && is_step_folder(e.path()) && e.path().extension() == ".partial") partial.push_back(e.path());
    for (const fs::path& p : partial) remove_path(p, out);
    if (fs::is_empty(folder, ec)) remove_path(folder, out);
    remove_path(folder.parent_path() / (run_folder + ".log"), out);
  }
  return out;
}

}  // namespace depthscope::jobs
