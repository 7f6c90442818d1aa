#pragma once
// RunWatcher: follows the run database while runs train in their own processes. On a timer
// (500 ms by default) a TaskRunner task -- never the GUI thread -- lists the runs and
// experiments (reaping lost runs on the way), reads the speed of running runs (last_values)
// and the metric rows of the watched runs newer than their cursors (metrics_since,
// layer_metrics_since; docs/runs.md, "Reading live: cursors"), and hands them to the GUI
// thread in one batch. One connection, opened on the runner's thread and used only there.
// A poll starts only when the previous one has finished, so a slow disk never piles up work.
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include <QObject>
#include <QString>
#include <QTimer>

#include "core/store/run_records.h"
#include "ui/shared/job_list.h"

namespace depthscope::ui {

class TaskRunner;

struct WatchBatch {
  std::vector<RunJob> runs;                     // every run, by id
  std::vector<store::Experiment> experiments;   // by id
  std::vector<store::MetricRow> metrics;        // new rows of watched runs, in id order per run
  std::vector<store::LayerMetricRow> layers;    // same, layer metrics
  std::vector<store::EventRecord> events;       // new log lines of all runs (none on the first poll)
  double query_ms = 0;                          // time the poll spent in SQLite (runner thread)
};

class RunWatcher : public QObject {
  Q_OBJECT
 public:
  explicit RunWatcher(QObject* parent = nullptr);
  ~RunWatcher() override;

  // Follows another database ("" stops); pending results of the old one are dropped.
  void set_database(const QString& path);
  QString database() const { return path_; }
  void set_interval(int ms);
  // Streams the metrics of these runs too (from their first row). The set only grows until
  // the database changes.
  void watch(const std::vector<std::int64_t>& runs);
  const std::set<std::int64_t>& watched() const { return watched_; }
  // Polls now if no poll is running (else right after it).
  void poll_now();
  int polls() const { return polls_; }
  double worst_query_ms() const { return worst_query_ms_; }

 signals:
  void batch_ready(const depthscope::ui::WatchBatch& batch);
  // The database cannot be read (message names the file); said once until it changes.
  void failed(const QString& message);

 private:
  void poll();

  struct State;
  std::shared_ptr<State> state_;  // touched only by the runner's thread
  TaskRunner* runner_;
  QTimer timer_;
  QString path_;
  std::set<std::int64_t> watched_;
  QString last_error_;
  bool again_ = false;
  int polls_ = 0;
  double worst_query_ms_ = 0;
};

}  // namespace depthscope::ui
