#pragma once
// The Train tab: the runs of one experiment, live from the run database, each scheme in its
// palette colour. Loss, validation perplexity and gradient norm with TensorBoard-style debiased
// EMA smoothing (slider; the raw curve faint behind), the learning rate, a layer x step heatmap
// of the residual variance (QCPColorMap, one run at a time) and the variance-by-layer curves at
// the step chosen with a slider. The charts and their set-up (linked step axes, crosshair) are
// TrainCharts (train_charts.h). The runs and experiments are the RunsModel's; metric rows arrive
// with each batch of the RunWatcher (its own thread) that the model applied; the panel
// appends them and replots once per ~40 ms single-shot timer (coalesced replot). Training
// runs in depthscope-cli processes; this panel only reads.
#include <cstdint>
#include <map>
#include <vector>

#include <QTimer>
#include <QWidget>

#include "core/store/run_records.h"
#include "ui/shared/csv_table.h"
#include "ui/shared/job_list.h"
#include "ui/train/run_series.h"

class QCheckBox;
class QComboBox;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QLabel;
class QPushButton;
class QSlider;

namespace depthscope::ui {

class Chart;
class Crosshair;
class TrainCharts;
class TrainSeedBands;
class RunWatcher;
class RunsModel;
struct WatchBatch;

class TrainPanel : public QWidget {
  Q_OBJECT
 public:
  // `runs` is the list of runs (fed by `watcher`, whose metric rows of the shown runs this
  // panel asks for); `jobs` receives stop/resume/new-experiment requests.
  TrainPanel(RunsModel* runs, RunWatcher* watcher, JobList* jobs, QWidget* parent = nullptr);

  // --- what is shown ----------------------------------------------------------------
  void show_experiment(std::int64_t experiment);  // 0: none
  std::int64_t experiment() const { return experiment_; }
  void show_run(std::int64_t run);                // its experiment, its heatmap
  // Shows the experiment as soon as the database lists it (after a launch).
  void show_experiment_when_listed(std::int64_t experiment);
  std::vector<std::int64_t> shown_runs() const;
  std::int64_t heatmap_run() const;

  // --- controls ---------------------------------------------------------------------
  void set_smoothing(double w);
  double smoothing() const { return smoothing_; }
  void set_layer_step_index(int index);  // into layer_steps()
  const std::vector<std::int64_t>& layer_steps() const { return layer_steps_; }
  std::int64_t layer_step() const;

  // --- for tests and the screenshot -------------------------------------------------
  // The charts, the heatmap and the crosshair over the four step charts (train_charts.h).
  const TrainCharts& charts() const { return *charts_; }
  // Raw points held for (run, key), and the graph drawn for them, raw or smoothed (null when
  // not shown).
  int points(std::int64_t run, const std::string& key) const;
  QCPGraph* graph(std::int64_t run, const std::string& key, bool smoothed) const;
  bool has_data() const { return batches_ > 0; }
  bool replot_pending() const { return replot_timer_.isActive(); }
  // Replots done, and the longest one (the GUI thread's time).
  struct ReplotStats {
    int count = 0;
    double worst_ms = 0;
  };
  const ReplotStats& replot_stats() const { return replot_stats_; }
  QString status_text() const;

 public slots:
  void stop_experiment();
  void resume_experiment();

 signals:
  void experiment_changed(qint64 experiment);
  void replotted();

 private:
  struct Graphs {
    std::map<std::string, QCPGraph*> raw, smooth;
    QCPGraph* variance = nullptr;
    QColor color;
    QString label;
  };
  void on_batch(const WatchBatch& batch);
  void rebuild_experiment_box();
  void rebuild_graphs();
  void schedule_replot();
  void replot();
  const RunSeries* series_of(std::int64_t run) const;
  void update_variance();
  void update_status();
  void update_empty_messages();
  std::vector<const RunJob*> experiment_runs() const;

  RunsModel* runs_;
  RunWatcher* watcher_;
  JobList* jobs_;
  std::map<std::int64_t, RunSeries> data_;
  std::map<std::int64_t, Graphs> graphs_;
  std::vector<std::int64_t> layer_steps_;  // union of the shown runs' sampled steps
  std::int64_t experiment_ = 0;
  std::int64_t pending_show_ = 0;
  bool user_chose_experiment_ = false;
  double smoothing_ = 0.6;
  bool follow_latest_step_ = true;
  int batches_ = 0;
  ReplotStats replot_stats_;

  QComboBox* experiment_box_;
  QPushButton* new_button_;
  QPushButton* stop_button_;
  QPushButton* resume_button_;
  QLabel* status_label_;
  QSlider* smoothing_slider_;
  QLabel* smoothing_label_;
  QComboBox* heatmap_box_;
  QSlider* step_slider_;
  QLabel* step_label_;
  QCheckBox* log_box_;
  TrainCharts* charts_;
  TrainSeedBands* bands_;
  QTimer replot_timer_;
};

}  // namespace depthscope::ui
