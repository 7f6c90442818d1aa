#pragma once
// The main window: workspace browser (left dock), analysis panels in the centre tabs,
// Jobs and Log docks at the bottom, device / threads / BLAS in the status bar.
// Each panel is its own class; this file only wires them together.
#include <QMainWindow>

class QDockWidget;
class QLabel;
class QTabWidget;

namespace depthscope::ui {

class DepthGlancePanel;
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

 private:
  void build_menus();
  void build_status_bar();

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
