#pragma once
// JobActions: what the GUI asks of the job manager (core/jobs/job_manager.h): launch a spec,
// start the queue, stop, resume, delete. Training never runs in the GUI: the job manager
// starts a detached `depthscope-cli jobs worker`, which runs each run as its own
// `depthscope-cli train` process (docs/runs.md, "Jobs"). The calls themselves are short but
// touch SQLite (which may wait for a lock) and build corpora, so they run one after another
// on a single background thread -- in order, none dropped (unlike TaskRunner, whose new task
// abandons the previous one) -- and report back on the GUI thread.
#include <cstdint>
#include <functional>

#include <QList>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include "core/jobs/job_options.h"

namespace depthscope::ui {

// The depthscope-cli that runs the jobs: $DEPTHSCOPE_CLI_PATH when set, else the one beside
// this program (QCoreApplication::applicationDirPath() + "/depthscope-cli").
QString default_cli_path();
// <db folder>/<db name without extension>-runs: where checkpoints and logs go.
QString run_folder(const QString& db_path);
// <db folder>/specs/<name>-<yyyyMMdd-hhmmss>.json: where the GUI writes the specs it launches.
QString spec_path_for(const QString& db_path, const QString& name);

struct ActionResult {
  bool ok = true;
  QString what;            // "Stop run 3", for the log and the error dialog's title
  QString message;         // success: what happened; failure: why (names the file or run)
  qint64 experiment = 0;   // launch only
  QList<qint64> runs;      // launch only
  QString spec_path;       // launch only
};

class JobActions : public QObject {
  Q_OBJECT
 public:
  explicit JobActions(QObject* parent = nullptr);
  ~JobActions() override;  // waits for the action in progress

  void set_database(const QString& path) { db_ = path; }
  QString database() const { return db_; }
  void set_cli_path(const QString& path) { cli_ = path; }
  QString cli_path() const { return cli_; }
  void set_parallel(int n) { parallel_ = n; }
  jobs::JobOptions options() const;

  // Writes `spec_json` to spec_path_for(db, name), queues one run per scheme and makes sure a
  // job worker drains the queue.
  void launch(const QString& spec_json, const QString& name);
  void start_queue();
  void stop(qint64 run);
  void resume(qint64 run);
  void remove(qint64 run, bool files);
  int pending() const { return pending_; }
  // Blocking, for teardown only (the Tour's temporary folder goes next): waits for the
  // actions in progress, stops these runs and waits up to `timeout_ms` for each process to
  // write its last checkpoint and mark its run ended. Errors (a run already ended) are ignored.
  void stop_and_wait(const QList<qint64>& runs, int timeout_ms);

 signals:
  void finished(const depthscope::ui::ActionResult& result);
  void launched(qint64 experiment, const QList<qint64>& runs, const QString& spec_path);

 private:
  void submit(const QString& what, std::function<ActionResult(const jobs::JobOptions&)> work);

  QString db_, cli_;
  int parallel_ = 1;
  int pending_ = 0;
  QThreadPool pool_;
};

}  // namespace depthscope::ui
