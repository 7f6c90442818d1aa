// RunDb::create_experiment_with_runs: an experiment is created with all its runs or not at
// all (issue 20: a kill -9 between two inserts once left a Pre-LN run without its LNS
// sibling).
#include "core/store/connection.h"
#include "core/store/run_db.h"

namespace depthscope::store {

RunDb::CreatedRows RunDb::create_experiment_with_runs(const std::string& name, const std::string& spec_json,
                                                      std::vector<NewRun> runs) {
  CreatedRows out;
  // create_experiment and create_run join this transaction (Connection::write nests), so
  // the rows commit together; the body may run again after SQLITE_BUSY, hence the resets.
  conn_->write("create experiment '" + name + "' with " + std::to_string(runs.size()) + " runs", [&] {
    out = {};
    out.experiment = create_experiment(name, spec_json);
    for (NewRun& r : runs) {
      r.experiment_id = out.experiment;
      out.runs.push_back(create_run(r));
    }
  });
  return out;
}

}  // namespace depthscope::store
