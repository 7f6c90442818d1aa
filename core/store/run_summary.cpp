// summarize_run: the numbers `runs compare` reports (core/store/run_summary.h). Each is one or
// two index seeks, whatever the size of the run.
#include "core/store/run_summary.h"

#include <algorithm>

#include "core/store/connection.h"
#include "core/store/run_db.h"

namespace depthscope::store {

RunSummary summarize_run(RunDb& db, std::int64_t run, double threshold) {
  const std::optional<RunRecord> record = db.get_run(run);
  if (!record)
    throw DatabaseError(db.path(), "summarize run " + std::to_string(run),
                        "there is no run with id " + std::to_string(run) +
                            " (it may have been deleted); list the runs to see which exist");
  RunSummary out;
  out.run = run;
  out.name = record->name;
  out.scheme = record->scheme;
  out.status = record->status;
  out.steps = record->steps;
  out.step = record->step;
  out.near_identity_threshold = threshold;

  Connection& conn = db.connection();
  conn.read("summarize run " + std::to_string(run), [&] {
    out.step = record->step;
    out.final_val_ppl.reset();
    out.val_ppl_step.reset();
    out.layer_step.reset();
    out.layers = 0;
    out.residual_variance_first.reset();
    out.residual_variance_last.reset();
    out.residual_variance_ratio.reset();
    out.near_identity_layers.reset();
    out.mean_removal_delta_ppl.reset();

    Statement last_step = conn.prepare("SELECT max(step) FROM metrics WHERE run_id = ?1");
    last_step.bind_int(1, run);
    if (last_step.step() && !last_step.is_null(0)) out.step = std::max(out.step, last_step.int64(0));

    Statement ppl = conn.prepare(
        "SELECT step, value FROM metrics WHERE run_id = ?1 AND key = 'val/ppl' ORDER BY step DESC LIMIT 1");
    ppl.bind_int(1, run);
    if (ppl.step()) {
      out.val_ppl_step = ppl.int64(0);
      out.final_val_ppl = ppl.real(1);  // NULL is the store's NaN
    }

    Statement removal = conn.prepare(
        "SELECT value FROM metrics WHERE run_id = ?1 AND key = 'removal/mean_delta_ppl' ORDER BY step DESC LIMIT 1");
    removal.bind_int(1, run);
    if (removal.step()) out.mean_removal_delta_ppl = removal.real(0);

    // The last step of the per-layer statistics (other layer metrics, e.g. removal_delta_ppl,
    // may be logged at other steps).
    Statement layer_step = conn.prepare(
        "SELECT max(step) FROM layer_metrics WHERE run_id = ?1 AND key = 'residual_variance'");
    layer_step.bind_int(1, run);
    if (!layer_step.step() || layer_step.is_null(0)) return;
    const std::int64_t step = layer_step.int64(0);
    out.layer_step = step;
    out.step = std::max(out.step, step);

    Statement rows = conn.prepare(
        "SELECT key, layer, value FROM layer_metrics WHERE run_id = ?1 AND step = ?2 "
        "AND key IN ('residual_variance', 'angular_distance_next') ORDER BY key, layer");
    rows.bind_int(1, run).bind_int(2, step);
    int near = 0;
    bool any_angular = false;
    int last_variance_layer = 0;
    while (rows.step()) {
      const std::string key = rows.text(0);
      const int layer = static_cast<int>(rows.int64(1));
      const double value = rows.real(2);
      out.layers = std::max(out.layers, layer);
      if (key == "residual_variance") {
        if (layer == 1) out.residual_variance_first = value;
        if (layer >= last_variance_layer) {
          last_variance_layer = layer;
          out.residual_variance_last = value;
        }
      } else {
        any_angular = true;
        if (value < threshold) ++near;  // false for NaN
      }
    }
    if (any_angular) out.near_identity_layers = near;
    // Layer L is the run's last layer: a ratio only when both ends were measured.
    if (out.residual_variance_first && out.residual_variance_last && last_variance_layer == out.layers)
      out.residual_variance_ratio = *out.residual_variance_last / *out.residual_variance_first;
  });
  return out;
}

}  // namespace depthscope::store
