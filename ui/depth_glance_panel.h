#pragma once
// "Depth at a glance": residual-stream variance by layer for a freshly initialised deep
// model, Pre-LN against LNS on one chart. The curves fill in layer by layer while a
// VarianceWorker computes them on its own thread.
#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QThread>
#include <QTimer>
#include <QWidget>

#include "core/model/config.h"
#include "ui/csv_table.h"

class QCheckBox;
class QCPGraph;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace depthscope::ui {

class Chart;
class JobList;
class VarianceStream;
class VarianceWorker;

class DepthGlancePanel : public QWidget {
  Q_OBJECT
 public:
  // `jobs` may be null (tests); then the run is not listed in a Jobs dock.
  explicit DepthGlancePanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~DepthGlancePanel() override;  // cancels a running computation and waits for it

  Chart* chart() const { return chart_; }
  QCPGraph* graph(NormScheme s) const;
  const std::vector<NormScheme>& schemes() const { return schemes_; }
  bool running() const { return running_; }
  void set_model_size(int layers, int width);
  void set_log_y(bool on);
  // layer, one column per scheme ("" where a layer has no value yet).
  CsvTable csv() const;

 public slots:
  void recompute();
  void cancel();

 signals:
  // After the last point is drawn. cancelled: stopped early; partial curves stay shown.
  void finished(bool cancelled);
  void failed(const QString& message);
  void log(const QString& message);

 private:
  void on_points_ready(int run_id);
  void flush_points();
  void on_progress(int run_id, double fraction, double eta_s, const QString& stage);
  void on_finished(int run_id, bool cancelled, double seconds);
  void on_failed(int run_id, const QString& message);
  void set_running(bool on);
  void update_summary();

  JobList* jobs_;
  std::vector<NormScheme> schemes_{NormScheme::pre, NormScheme::lns};
  std::map<NormScheme, QCPGraph*> graphs_;

  Chart* chart_;
  QSpinBox* layers_box_;
  QSpinBox* width_box_;
  QCheckBox* log_box_;
  QPushButton* recompute_button_;
  QPushButton* cancel_button_;
  QProgressBar* progress_bar_;
  QLabel* status_label_;
  QLabel* summary_label_;

  QThread thread_;
  VarianceWorker* worker_ = nullptr;
  std::shared_ptr<VarianceStream> stream_;
  std::shared_ptr<std::atomic<bool>> cancel_flag_;
  QTimer replot_timer_;  // coalesces per-layer updates into one replot every ~40 ms
  int run_id_ = 0;
  int job_id_ = 0;
  int run_layers_ = 0;
  int run_width_ = 0;
  bool running_ = false;
};

}  // namespace depthscope::ui
