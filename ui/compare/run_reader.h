#pragma once
// RunReader: the Compare tab's access to the run database. Lists its runs (on the GUI thread:
// one short query) and reads the curves of the ticked runs in the background (TaskRunner):
// train/loss and val/ppl per step, residual_variance by layer at the last layer step, and the
// numbers of `runs compare` (core/store/run_summary.h). Widgets get plain structs from it.
#include <cstdint>
#include <optional>
#include <vector>

#include <QObject>
#include <QString>

#include "core/store/run_records.h"
#include "core/store/run_summary.h"

namespace depthscope::ui {

class TaskRunner;

// One run's curves, as read.
struct RunCurves {
  std::int64_t id = 0;
  std::vector<double> loss_steps, loss_values, ppl_steps, ppl_values;
  std::optional<std::int64_t> layer_step;
  std::vector<double> layer_variance;  // [l-1]
  store::RunSummary summary;
};

struct CompareItem;
// Puts a run's curves and its `runs compare` numbers into its item.
void apply_curves(CompareItem* item, const RunCurves& curves);

class RunReader : public QObject {
  Q_OBJECT
 public:
  explicit RunReader(QObject* parent = nullptr);
  ~RunReader() override;  // drops a read in progress and waits for it

  // Every run of the database; throws (the message names the file) when it cannot be read.
  static std::vector<store::RunRecord> list_runs(const QString& db);
  // Reads these runs' curves in the background (a read in progress is dropped); read()
  // then finished(), or failed().
  void read(const QString& db, const std::vector<std::int64_t>& runs);
  // Drops a read in progress: nothing more arrives from it.
  void abandon();
  bool busy() const { return busy_; }

 signals:
  void read_done(const std::vector<depthscope::ui::RunCurves>& runs);
  void finished();
  void failed(const QString& message);

 private:
  TaskRunner* runner_;
  bool busy_ = false;
};

}  // namespace depthscope::ui
