#pragma once
// JobList: the long-running work the GUI knows about: analyses running inside the GUI
// (Inspect, Depth at a glance, loading), and the requests the views make about training runs
// (separate depthscope-cli processes, docs/runs.md "Jobs"; their list is the RunsModel). A model
// without widgets, so panels can report jobs, and ask for actions on runs, without knowing how
// they are shown.
// All methods are called on the GUI thread.
#include <cstdint>
#include <functional>
#include <vector>

#include <QColor>
#include <QObject>
#include <QString>
#include <QVector>

#include "core/store/run_records.h"

namespace depthscope::ui {

struct Job {
  int id = 0;
  QString name;            // "Depth at a glance: 48 layers x 256"
  QString status;          // "running", "finished", "cancelled", "failed: ..."
  QString stage;           // "Pre-LN layer 12/48"
  double fraction = 0;     // 0..1
  double eta_s = -1;       // < 0 while unknown
  bool active = true;      // running and cancellable
  std::function<void()> cancel;
};

// A training run as the Jobs dock and the workspace browser show it: its row in the run
// database plus what its last metrics say about speed.
struct RunJob {
  store::RunRecord run;
  QString experiment;          // the experiment's name ("" for none)
  double tokens_per_s = -1;    // last train/tokens_per_s; < 0: none yet
  double eta_s = -1;           // while running: steps left at the current speed; < 0: unknown
  double fraction() const { return run.steps > 0 ? double(run.step) / double(run.steps) : 0.0; }
};

// The colour of a run status (the status dot of the workspace browser and the Jobs dock).
QColor run_status_color(store::RunStatus status);
// "running", "finished", "failed: process lost", ...
QString run_status_text(const RunJob& job);

class JobList : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;

  // --- analyses inside the GUI ----------------------------------------------------------
  // Registers a running job; `cancel` is called (GUI thread) when the user presses Cancel.
  int start(const QString& name, std::function<void()> cancel);
  void progress(int id, double fraction, double eta_s, const QString& stage);
  // Ends a job with its final status ("finished", "cancelled", "failed: <why>").
  void end(int id, const QString& status);
  void cancel(int id);

  const QVector<Job>& jobs() const { return jobs_; }
  const Job* find(int id) const;

  // Forgets the analyses that have ended (the Jobs dock's "Clear ended"); emits cleared.
  void clear_ended();

  // --- training runs (separate processes): their list is the RunsModel (ui/train/runs_model.h)
  // Requests from the views; whoever owns the job manager acts on them.
  void request_new_experiment() { emit new_experiment_requested(); }
  void request_start_queue() { emit start_queue_requested(); }
  void request_stop(std::int64_t run) { emit stop_requested(run); }
  void request_resume(std::int64_t run) { emit resume_requested(run); }
  void request_delete(std::int64_t run, bool files) { emit delete_requested(run, files); }
  void request_open_folder(std::int64_t run) { emit open_folder_requested(run); }

 signals:
  void added(int id);
  void changed(int id);
  void cleared();
  void new_experiment_requested();
  void start_queue_requested();
  void stop_requested(qint64 run);
  void resume_requested(qint64 run);
  void delete_requested(qint64 run, bool files);
  void open_folder_requested(qint64 run);

 private:
  Job* find_mut(int id);
  QVector<Job> jobs_;
  int next_id_ = 1;
};

}  // namespace depthscope::ui
