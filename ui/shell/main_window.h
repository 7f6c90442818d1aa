#pragma once
// The main window: workspace browser (left dock), analysis panels in the centre tabs,
// Jobs and Log docks at the bottom, device / threads / BLAS in the status bar.
// Each panel is its own class; this file only wires them together.
#include <memory>

#include <QMainWindow>

class QDockWidget;
class QLabel;
class QTabWidget;

namespace depthscope {
class ModelSession;
}

namespace depthscope::ui {

class DepthGlancePanel;
class InspectPanel;
class ModelSummaryPanel;
class TaskRunner;
class JobList;
class JobsPanel;
class LogPanel;
class WorkspaceBrowser;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // start_default_work: begin the "Depth at a glance" computation as soon as the event loop runs.
  explicit MainWindow(bool start_default_work = true, QWidget* parent = nullptr);

  DepthGlancePanel* depth_glance() const { return depth_glance_; }
  WorkspaceBrowser* workspace() const { return workspace_; }
  LogPanel* log_panel() const { return log_; }
  JobList* jobs() const { return jobs_; }
  QTabWidget* tabs() const { return tabs_; }
  // Created when the first checkpoint has loaded (no empty tabs before that).
  ModelSummaryPanel* model_summary() const { return model_summary_; }
  InspectPanel* inspect() const { return inspect_; }
  std::shared_ptr<const ModelSession> session() const { return session_; }
  bool loading() const;

  // Once the default work is done, renders the window to `path` (PNG) and emits
  // screenshot_written. Used by `depthscope --screenshot FILE`.
  void screenshot_when_ready(const QString& path);
  // Renders the window now; false with *error set when the file cannot be written.
  bool write_screenshot(const QString& path, QString* error);

 public slots:
  void open_checkpoint_dialog();
  void open_path(const QString& path);
  void export_current_chart();
  void show_about();

 signals:
  void screenshot_written(bool ok, const QString& message);
  // A checkpoint finished loading (ok) or failed (message names the file and the problem).
  void checkpoint_loaded(bool ok, const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void build_menus();
  void build_status_bar();
  void on_checkpoint_loaded(const QString& path, std::shared_ptr<const ModelSession> session);

  TaskRunner* loader_;
  std::shared_ptr<std::shared_ptr<const ModelSession>> pending_;  // written by the loading task
  QString loading_path_;
  int load_job_ = 0;
  std::shared_ptr<const ModelSession> session_;
  ModelSummaryPanel* model_summary_ = nullptr;
  InspectPanel* inspect_ = nullptr;

  JobList* jobs_;
  QTabWidget* tabs_;
  DepthGlancePanel* depth_glance_;
  WorkspaceBrowser* workspace_;
  JobsPanel* jobs_panel_;
  LogPanel* log_;
  QDockWidget* workspace_dock_;
  QDockWidget* jobs_dock_;
  QDockWidget* log_dock_;
  QLabel* device_label_;
  QLabel* model_label_;
};

}  // namespace depthscope::ui
