#include "ui/train/job_actions.h"

#include <exception>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QRegularExpression>
#include <QtConcurrent/QtConcurrentRun>

#include "core/jobs/job_manager.h"
#include "core/jobs/run_removal.h"
#include "core/train/experiment.h"

namespace depthscope::ui {

QString default_cli_path() {
  const QString env = qEnvironmentVariable("DEPTHSCOPE_CLI_PATH");
  if (!env.isEmpty()) return env;
  return QCoreApplication::applicationDirPath() + "/depthscope-cli";
}

QString run_folder(const QString& db_path) {
  return QString::fromStdString(default_run_dir(db_path.toStdString()));
}

QString spec_path_for(const QString& db_path, const QString& name) {
  QString stem = name;
  stem.replace(QRegularExpression("[^A-Za-z0-9._-]+"), "-");
  if (stem.isEmpty()) stem = "experiment";
  return QFileInfo(db_path).absoluteDir().filePath(
      QString("specs/%1-%2.json").arg(stem, QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss")));
}

JobActions::JobActions(QObject* parent) : QObject(parent), cli_(default_cli_path()) {
  pool_.setMaxThreadCount(1);  // in order, one at a time
}

JobActions::~JobActions() { pool_.waitForDone(); }

jobs::JobOptions JobActions::options() const {
  jobs::JobOptions o;
  o.db_path = db_.toStdString();
  o.cli_path = cli_.toStdString();
  o.parallel = parallel_;
  return o;
}

void JobActions::submit(const QString& what, std::function<ActionResult(const jobs::JobOptions&)> work) {
  jobs::JobOptions o = options();
  ++pending_;
  auto* watcher = new QFutureWatcher<ActionResult>(this);
  connect(watcher, &QFutureWatcher<ActionResult>::finished, this, [this, watcher] {
    const ActionResult r = watcher->result();
    watcher->deleteLater();
    --pending_;
    if (r.ok && r.experiment > 0) emit launched(r.experiment, r.runs, r.spec_path);
    emit finished(r);
  });
  watcher->setFuture(QtConcurrent::run(&pool_, [what, work = std::move(work), o]() mutable {
    ActionResult r;
    try {
      o.store = jobs::store_options_from_env();
      r = work(o);
    } catch (const std::exception& e) {
      r.ok = false;
      r.message = QString::fromStdString(e.what());
    }
    r.what = what;
    return r;
  }));
}

void JobActions::launch(const QString& spec_json, const QString& name) {
  const QString path = spec_path_for(db_, name);
  submit("Launch " + name, [spec_json, path](const jobs::JobOptions& o) {
    ActionResult r;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(spec_json.toUtf8()) < 0) {
      r.ok = false;
      r.message = QString("cannot write the spec to %1: %2").arg(path, f.errorString());
      return r;
    }
    f.close();
    jobs::JobManager manager(o);
    const jobs::QueuedExperiment q = manager.queue_spec(path.toStdString());
    const jobs::WorkerStart w = manager.ensure_worker();
    r.experiment = q.experiment;
    for (std::int64_t run : q.runs) r.runs << run;
    r.spec_path = path;
    QStringList ids;
    for (qint64 run : r.runs) ids << QString::number(run);
    r.message = QString("queued experiment %1 (runs %2) from %3; %4")
                    .arg(q.experiment).arg(ids.join(", "), path,
                         w.started ? QString("started the job worker (pid %1)").arg(w.pid)
                                   : QString("the job worker (pid %1) already drains the queue").arg(w.pid));
    return r;
  });
}

void JobActions::start_queue() {
  submit("Start queue", [](const jobs::JobOptions& o) {
    jobs::JobManager manager(o);
    const jobs::WorkerStart w = manager.ensure_worker();
    ActionResult r;
    r.message = w.started ? QString("started the job worker (pid %1)").arg(w.pid)
                          : QString("the job worker (pid %1) already drains the queue").arg(w.pid);
    return r;
  });
}

void JobActions::stop(qint64 run) {
  submit(QString("Stop run %1").arg(run), [run](const jobs::JobOptions& o) {
    jobs::JobManager manager(o);
    const jobs::StopResult s = manager.stop(run);
    ActionResult r;
    r.message = s.action == jobs::StopAction::signalled
                    ? QString("sent SIGTERM to pid %1: run %2 checkpoints after its step, then stops").arg(s.pid).arg(run)
                    : QString("run %1 was still queued: stopped before it started").arg(run);
    return r;
  });
}

void JobActions::stop_and_wait(const QList<qint64>& runs, int timeout_ms) {
  pool_.waitForDone();
  jobs::JobOptions o = options();
  try {
    o.store = jobs::store_options_from_env();
    jobs::JobManager manager(o);
    for (qint64 run : runs) {
      try {
        manager.stop(run);
      } catch (const std::exception&) {  // already ended
      }
    }
    for (qint64 run : runs) {
      try {
        manager.wait(run, std::chrono::milliseconds(timeout_ms), std::chrono::milliseconds(100));
      } catch (const std::exception&) {
      }
    }
  } catch (const std::exception&) {  // the database is gone: nothing to stop
  }
}

void JobActions::resume(qint64 run) {
  submit(QString("Resume run %1").arg(run), [run](const jobs::JobOptions& o) {
    jobs::JobManager manager(o);
    const jobs::WorkerStart w = manager.resume(run);
    ActionResult r;
    r.message = QString("run %1 queued again; %2").arg(run).arg(
        w.started ? QString("started the job worker (pid %1)").arg(w.pid)
                  : QString("the job worker (pid %1) will continue it").arg(w.pid));
    return r;
  });
}

void JobActions::remove(qint64 run, bool files) {
  submit(QString("Delete run %1").arg(run), [run, files](const jobs::JobOptions& o) {
    const jobs::RemovedRun removed = jobs::remove_run(jobs::resolved(o), run, files);
    ActionResult r;
    r.message = QString("deleted run %1 from the database").arg(run);
    if (files) r.message += QString("; removed %1 files and folders").arg(removed.removed.size());
    if (!removed.kept.empty()) r.message += QString("; kept %1 listed paths outside its folder").arg(removed.kept.size());
    return r;
  });
}

}  // namespace depthscope::ui
