#pragma once
// RunsModel: the one list of training runs that every view shows -- the Jobs dock, the
// workspace's Runs list, the Train tab's experiment box and Compare's run list. The
// RunWatcher's batches feed it, each once (apply); the views read it and listen to its
// signals, never to the watcher, for the list. It also holds the selected run, so selecting a
// run in one view selects it in the others, and the experiments the runs belong to.
//
// A QAbstractTableModel (one row per run, by id; columns below) so a QTableView or a filter
// (RunsFilter, runs_filter.h) can sit on it directly. GUI thread only.
#include <cstdint>
#include <vector>

#include <QAbstractTableModel>
#include <QString>

#include "core/store/run_records.h"
#include "ui/shared/job_list.h"

namespace depthscope::ui {

class RunWatcher;
struct WatchBatch;

class RunsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { kRun, kStatus, kStep, kExperiment, kColumns };
  static constexpr int kRunIdRole = Qt::UserRole + 1;      // qint64 run id, any column
  static constexpr int kTerminalRole = Qt::UserRole + 2;   // bool: finished, stopped or failed

  explicit RunsModel(QObject* parent = nullptr);

  // Every batch of `watcher` goes through apply(), then batch_applied.
  void follow(RunWatcher* watcher);
  // Takes the batch's runs and experiments; emits runs_changed when anything a view shows
  // differs (a run added or gone, a status, a step, speed or ETA, the experiments).
  void apply(const WatchBatch& batch);
  // Another database: forgets every run and the selection (batches of it come next).
  void set_database(const QString& path);
  QString database() const { return database_; }

  const std::vector<RunJob>& runs() const { return runs_; }
  const std::vector<store::Experiment>& experiments() const { return experiments_; }
  const RunJob* find(std::int64_t run) const;
  int row_of(std::int64_t run) const;  // -1 when not listed
  // True when the last apply() changed what a view shows.
  bool last_apply_changed() const { return last_changed_; }

  // The selected run (0: none). select() emits run_selected when it changes; activate() also
  // asks for the run to be shown (the Train tab), every time.
  std::int64_t selected() const { return selected_; }
  void select(std::int64_t run);
  void activate(std::int64_t run);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 signals:
  void runs_changed();
  // After the list is current: views that also need the batch's metric rows read them here.
  void batch_applied(const depthscope::ui::WatchBatch& batch);
  void run_selected(qint64 run);
  void run_activated(qint64 run);

 private:
  QString database_;
  std::vector<RunJob> runs_;                     // by id
  std::vector<store::Experiment> experiments_;   // by id
  std::int64_t selected_ = 0;
  bool last_changed_ = false;
};

}  // namespace depthscope::ui
