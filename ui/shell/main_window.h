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
#include <memory>

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
struct WatchBatch;
struct ActionResult;

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
    DeviceSelector* device_box;
  };
  const Parts& parts() const { return parts_; }

  // Registers a centre tab; `object_name` ("tab_compare") is what --tab compare selects.
  void add_tab(QWidget* w, const QString& title, const QString& object_name);
  // Selects the tab named "tab_<name>" (or `name` itself); false when there is none.
  bool select_tab(const QString& name);
  // "glance", "train", ...: the names select_tab accepts for the tabs that exist now.
  QStringList tab_names() const;

  // The run database this window follows. persist: remember it for the next start
  // ("workspace/run_db"); --db PATH does not.
  void set_run_database(const QString& path, bool persist = true);
  QString run_database() const { return db_path_; }
  // <AppDataLocation>/runs.sqlite
  static QString default_run_database();
  // The depthscope-cli that runs jobs (default: beside this program, or $DEPTHSCOPE_CLI_PATH).
  void set_cli_path(const QString& path);
  // The New experiment dialog (window-modal, not blocking); accepting it launches the spec.
  NewExperimentDialog* new_experiment_dialog();
  // Created when the first checkpoint has loaded (no empty tabs before that).
  ModelSummaryPanel* model_summary() const { return model_summary_; }
  InspectPanel* inspect() const { return inspect_; }
  std::shared_ptr<const ModelSession> session() const { return session_; }
  bool loading() const;
  // parts().device_box, the status bar's Device box (ui/shared/device_selector.h): where checkpoints are opened
  // and the analyses run. Disabled on cpu when no GPU exists. Changing it reopens the open
  // checkpoint on the new device (Compare uses it for checkpoints added later; the Tour keeps
  // its small example models on the CPU); a device core refuses (its reason in a
  // "device_error" dialog) falls back to cpu and the work is done there.
  // The device the open checkpoint was loaded on (cpu before any).
  const ComputeDevice& session_device() const { return session_device_; }

  // Once the default work is done, renders the window to `path` (PNG) and emits
  // screenshot_written. Used by `depthscope --screenshot FILE`.
  // `tab`: select this tab first (see select_tab); for "train", also wait for its data.
  void screenshot_when_ready(const QString& path, const QString& tab = QString());
  // Renders the window now; false with *error set when the file cannot be written.
  bool write_screenshot(const QString& path, QString* error);

 public slots:
  void open_checkpoint_dialog();
  void open_path(const QString& path);
  void export_current_chart();
  void show_about();
  void open_run_database_dialog();
  void stop_runs();
  void resume_runs();
  // The Tour's presenter mode: full screen, docks, menu and status bar hidden; off restores
  // the window's geometry and dock layout as they were.
  void set_presenting(bool on);
  bool presenting() const { return presenting_; }

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
  void build_status_bar();
  // The Device box's choice reaches the status bar text and the panels.
  void apply_device();
  // `what` could not run on the chosen device (`message`: core's reason): say so, select cpu.
  void fall_back_to_cpu(const QString& what, const QString& message);
  void on_checkpoint_loaded(const QString& path, std::shared_ptr<const ModelSession> session);
  void on_runs(const WatchBatch& batch);
  void on_action(const ActionResult& result);
  void save_workspace();
  void open_run_folder(qint64 run);
  void delete_run(qint64 run, bool files);

  TaskRunner* loader_;
  std::shared_ptr<std::shared_ptr<const ModelSession>> pending_;  // written by the loading task
  QString loading_path_;
  ComputeDevice loading_device_;
  QString session_path_;        // the checkpoint session_ was opened from
  ComputeDevice session_device_;
  DeviceSelector* device_box_ = nullptr;
  int load_job_ = 0;
  std::shared_ptr<const ModelSession> session_;
  ModelSummaryPanel* model_summary_ = nullptr;
  InspectPanel* inspect_ = nullptr;

  Parts parts_{};
  JobList* jobs_;
  RunsModel* runs_;
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
  QLabel* runs_label_;

  WindowMenus* menus_;  // the menu bar and its actions (window_menus.h)
  TrainPanel* train_;
  ComparePanel* compare_;
  TourPanel* tour_;
  RunWatcher* watcher_;
  JobActions* actions_;
  QString db_path_;
  bool db_chosen_ = false;      // set_run_database was called (the settings' database is not opened)
  bool first_listing_ = true;
  bool presenting_ = false;
  QByteArray saved_geometry_, saved_state_;  // the layout before presenter mode   // the first listing of this database: report runs that ended meanwhile
};

}  // namespace depthscope::ui
