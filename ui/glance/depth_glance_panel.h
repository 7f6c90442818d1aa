#pragma once
// "Depth at a glance": residual-stream variance by layer for a freshly initialised deep
// model, Pre-LN against LNS on one chart. The curves fill in layer by layer while a
// TaskRunner (ui/background_task.h) computes them on its thread.
#include <map>
#include <vector>

#include <QWidget>

#include "core/model/config.h"
#include "core/runtime/device_choice.h"
#include "ui/shared/csv_table.h"

class QCheckBox;
class QCPGraph;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace depthscope::ui {

class Chart;
class JobList;
class TaskRunner;

class DepthGlancePanel : public QWidget {
  Q_OBJECT
 public:
  // `jobs` may be null (tests); then the run is not listed in a Jobs dock.
  explicit DepthGlancePanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~DepthGlancePanel() override;  // cancels a running computation and waits for it

  Chart* chart() const { return chart_; }
  QCPGraph* graph(NormScheme s) const;
  const std::vector<NormScheme>& schemes() const { return schemes_; }
  // The schemes on the chart (Pre-LN and LNS by default; the Schemes menu lists every one).
  // Clears the curves; the next recompute() draws the new ones.
  void set_schemes(const std::vector<NormScheme>& schemes);
  bool running() const;
  void set_model_size(int layers, int width);
  void set_log_y(bool on);
  // Where the next computation runs (the status bar's Device box); cpu by default. A device
  // this process cannot use fails the run with core's reason (failed()).
  void set_device(const ComputeDevice& device) { device_ = device; }
  const ComputeDevice& device() const { return device_; }
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
  void add_point(NormScheme scheme, int layer, double variance);
  void refit();
  void on_progress(double fraction, double eta_s, const QString& stage);
  void on_finished(bool cancelled, double seconds);
  void on_failed(const QString& message);
  void set_running(bool on);
  void update_summary();

  JobList* jobs_;
  std::vector<NormScheme> schemes_{NormScheme::pre, NormScheme::lns};
  std::map<NormScheme, QCPGraph*> graphs_;

  Chart* chart_;
  QSpinBox* layers_box_;
  QSpinBox* width_box_;
  QCheckBox* log_box_;
  QToolButton* schemes_button_;
  QPushButton* recompute_button_;
  QPushButton* cancel_button_;
  QProgressBar* progress_bar_;
  QLabel* status_label_;
  QLabel* summary_label_;

  TaskRunner* runner_;  // child: cancels and waits for its thread when the panel goes
  int job_id_ = 0;
  int run_layers_ = 0;
  int run_width_ = 0;
  ComputeDevice device_;
};

}  // namespace depthscope::ui
