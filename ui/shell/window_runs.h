#pragma once
// The main window's run database: the one the workspace follows (remembered in
// "workspace/run_db", default <AppDataLocation>/runs.sqlite), handed to the job actions, the
// runs model, the watcher and Compare; the status bar's runs count and the database's events
// in the Log; the New experiment dialog; stop, resume, delete and open-folder requests; and
// the runs still training when the window closes, reported if they ended meanwhile.
#include <QObject>
#include <QString>

class QLabel;
class QWidget;

namespace depthscope::ui {

class ComparePanel;
class DeviceSelector;
class JobActions;
class JobList;
class JobsPanel;
class LogPanel;
class NewExperimentDialog;
class RunWatcher;
class RunsModel;
class TrainPanel;
struct ActionResult;
struct WatchBatch;

class WindowRuns : public QObject {
  Q_OBJECT
 public:
  // What the run database reaches in the window (all owned by it).
  struct Parts {
    QWidget* window;
    JobList* jobs;
    RunsModel* runs;
    RunWatcher* watcher;
    JobActions* actions;
    JobsPanel* jobs_panel;
    TrainPanel* train;
    ComparePanel* compare;
    LogPanel* log;
    DeviceSelector* device_box;  // what the New experiment dialog offers
    QLabel* runs_label;  // the status bar's "runs.sqlite · 3 runs · 1 running · 0 queued"
  };
  explicit WindowRuns(const Parts& parts);

  // The run database this window follows. persist: remember it for the next start
  // ("workspace/run_db"); --db PATH does not.
  void set_database(const QString& path, bool persist = true);
  QString database() const { return db_path_; }
  // set_database was called (the remembered database is then not opened at start).
  bool chosen() const { return chosen_; }
  // <AppDataLocation>/runs.sqlite
  static QString default_database();
  void open_dialog();
  // The depthscope-cli that runs jobs (default: beside this program, or $DEPTHSCOPE_CLI_PATH).
  void set_cli_path(const QString& path);
  // The New experiment dialog (window-modal, not blocking); accepting it launches the spec.
  NewExperimentDialog* new_experiment_dialog();
  // The run selected in the Jobs dock, else the Train tab's experiment.
  void stop();
  void resume();
  // Remembers which runs are still training, to report at the next start those that ended.
  void remember_active() const;

 signals:
  // A job action (launch, stop, resume, delete, start queue) finished.
  void action_finished(bool ok, const QString& what, const QString& message);

 private:
  void on_batch(const WatchBatch& batch);
  void on_action(const ActionResult& result);
  void open_folder(qint64 run);

  Parts p_;
  QString db_path_;
  bool chosen_ = false;
  bool first_listing_ = true;  // the first listing of this database: report runs that ended meanwhile
};

}  // namespace depthscope::ui
