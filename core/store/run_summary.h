#pragma once
// What `depthscope-cli runs compare` (and the GUI's Compare tab) reports for one run, computed
// from the run database in one place:
//   - final val/ppl: the value of `val/ppl` at its largest step;
//   - the residual-variance growth: at the last step that has layer metrics, the
//     `residual_variance` of layer L divided by that of layer 1 (the Curse of Depth's signature:
//     Pre-LN grows with depth, LNS much less);
//   - nearly-identity layers: at that step, the number of layers whose `angular_distance_next`
//     is below a threshold (0.2 by default; NaN counts as not below);
//   - the mean removal cost: `removal/mean_delta_ppl`, logged once at the end of training
//     (docs/training.md, "removal_at_end"): the mean over layers of the validation PPL with
//     that layer bypassed minus the full model's;
//   - the furthest step the run reached.
// Plain structs (no SQLite, torch or Qt), so the GUI can include it.
#include <cstdint>
#include <optional>
#include <string>

#include "core/store/run_records.h"

namespace depthscope::store {

class RunDb;

inline constexpr double kNearIdentityAngularDistance = 0.2;

struct RunSummary {
  std::int64_t run = 0;
  std::string name, scheme;
  RunStatus status = RunStatus::queued;
  // The largest step the run reached: its last reported step or its largest metric step,
  // whichever is larger (a killed process may have logged steps it never reported).
  std::int64_t step = 0;
  std::int64_t steps = 0;  // planned

  std::optional<double> final_val_ppl;        // may be NaN or +Inf; empty: never evaluated
  std::optional<std::int64_t> val_ppl_step;   // the step of final_val_ppl

  std::optional<std::int64_t> layer_step;     // the last step with layer metrics
  int layers = 0;                             // L: the largest layer number at layer_step
  std::optional<double> residual_variance_first, residual_variance_last;  // layers 1 and L
  std::optional<double> residual_variance_ratio;  // last / first (NaN/Inf kept as computed)
  std::optional<int> near_identity_layers;    // angular_distance_next < threshold at layer_step
  std::optional<double> mean_removal_delta_ppl;  // removal/mean_delta_ppl at its largest step
  double near_identity_threshold = kNearIdentityAngularDistance;
};

// Throws DatabaseError naming the database when the run does not exist.
RunSummary summarize_run(RunDb& db, std::int64_t run,
                         double near_identity_threshold = kNearIdentityAngularDistance);

}  // namespace depthscope::store
