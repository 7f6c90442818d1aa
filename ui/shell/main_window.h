#pragma once
// The main window: workspace browser (left dock), analysis panels in the centre tabs,
// Jobs and Log docks at the bottom, device / threads / BLAS in the status bar.
// Each panel is its own class; this file only wires them together.
//
// Tabs are registered with add_tab(widget, title, object_name); the object name ("tab_glance",
// "tab_inspect", "tab_train", "tab_compare", "tab_tour", ...) is how `depthscope --tab NAME`
// and select_tab() find them. The workspace persists in QSettings: the run database
// ("workspace/run_db", default <AppDataLocation>/runs.sqlite), recent checkpoints, window
// geometry and dock state; runs keep training in their own processes while the window is
// closed, and a new window simply reads their rows again.
#include <QMainWindow>
#include <QList>
#include <QStringList>

#include "core/runtime/device_choice.h"

class QDockWidget;
class QLabel;
class QTabWidget;
class QAction;
class QMenu;

namespace depthscope {
class ModelSession;
}

namespace depthscope::ui {

class DepthGlancePanel;
class DeviceSelector;
class InspectPanel;
class ModelSummaryPanel;
class TaskRunner;
class JobList;
class RunsModel;
class JobsPanel;
class LogPanel;
class WorkspaceBrowser;
class TrainPanel;
class ComparePanel;
class TourPanel;
class RunWatcher;
class JobActions;
class NewExperimentDialog;
class WindowMenus;
class WindowRuns;
class CheckpointOpener;
class PresenterMode;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // start_default_work: begin the "Depth at a glance" computation as soon as the event loop runs.
  explicit MainWindow(bool start_default_work = true, QWidget* parent = nullptr);

  // The window's parts (the panels are its children), for the screenshot, the tests and
  // app.cpp's options. Set once, in the constructor.
  struct Parts {
    DepthGlancePanel* depth_glance;
    WorkspaceBrowser* workspace;
    LogPanel* log_panel;
    JobList* jobs;
    RunsModel* runs;     // the one list of runs (ui/train/runs_model.h)
    QTabWidget* tabs;
    JobsPanel* jobs_panel;
    TrainPanel* train;
    ComparePanel* compare;
    TourPanel* tour;
    RunWatcher* run_watcher;
    JobActions* job_actions;
    // The status bar's Device box (ui/shared/device_selector.h): where checkpoints are opened
    // and the analyses run. Disabled on cpu when no GPU exists. Changing it reopens the open
    // checkpoint on the new device (Compare uses it for checkpoints added later; the Tour
    // keeps its small example models on the CPU); a device core refuses (its reason in a
    // "device_error" dialog) falls back to cpu and the work is done there.
    DeviceSelector* device_box;
    // The run database the window follows, the New experiment dialog, stop / resume
    // (window_runs.h).
    WindowRuns* run_database;
    // The open checkpoint: its session, path and device, and whether one is loading
    // (checkpoint_opener.h).
    CheckpointOpener* opener;
    // The Tour's presenter mode: full screen, docks, menu and status bar hidden; off
    // restores the window's geometry and dock layout as they were (presenter_mode.h).
    PresenterMode* presenter;
  };
  const Parts& parts() const { return parts_; }

  // Registers a centre tab; `object_name` ("tab_compare") is what --tab compare selects.
  void add_tab(QWidget* w, const QString& title, const QString& object_name);
  // Selects the tab named "tab_<name>" (or `name` itself); false when there is none.
  bool select_tab(const QString& name);
  // "glance", "train", ...: the names select_tab accepts for the tabs that exist now.
  QStringList tab_names() const;
  // Created when the first checkpoint has loaded (no empty tabs before that).
  ModelSummaryPanel* model_summary() const { return model_summary_; }
  InspectPanel* inspect() const { return inspect_; }

  // Once the default work is done, renders the window to `path` (PNG) and emits
  // screenshot_written. Used by `depthscope --screenshot FILE`.
  // `tab`: select this tab first (see select_tab); for "train", also wait for its data.
  void screenshot_when_ready(const QString& path, const QString& tab = QString());
  // Renders the window now; false with *error set when the file cannot be written.
  bool write_screenshot(const QString& path, QString* error);

 public slots:
  // Opens a checkpoint on the Device box's device; the Model and Inspect tabs follow.
  void open_path(const QString& path);
  void export_current_chart();

 signals:
  void screenshot_written(bool ok, const QString& message);
  // A checkpoint finished loading (ok) or failed (message names the file and the problem).
  void checkpoint_loaded(bool ok, const QString& message);
  // A job action (launch, stop, resume, delete, start queue) finished.
  void job_action_finished(bool ok, const QString& what, const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_docks();
  void build_status_bar();
  void connect_parts();
  // The Device box's choice reaches the status bar text and the panels.
  void apply_device();
  // `what` could not run on the chosen device (`message`: core's reason): say so, select cpu.
  void fall_back_to_cpu(const QString& what, const QString& message);
  void on_checkpoint_loaded(const QString& path);
  void on_load_failed(const QString& path, const QString& message, const ComputeDevice& device);

  ModelSummaryPanel* model_summary_ = nullptr;
  InspectPanel* inspect_ = nullptr;
  Parts parts_{};
  QDockWidget* workspace_dock_;
  QDockWidget* jobs_dock_;
  QDockWidget* log_dock_;
  QLabel* device_label_;
  QLabel* model_label_;
  QLabel* runs_label_;
  WindowMenus* menus_;  // the menu bar and its actions (window_menus.h)
};

}  // namespace depthscope::ui
