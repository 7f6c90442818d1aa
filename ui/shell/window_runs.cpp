#include "ui/shell/window_runs.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>

#include "ui/compare/compare_panel.h"
#include "ui/compare/compare_runs.h"
#include "ui/shared/device_selector.h"
#include "ui/shared/error_dialog.h"
#include "ui/shared/job_list.h"
#include "ui/shared/jobs_panel.h"
#include "ui/shared/log_panel.h"
#include "ui/train/job_actions.h"
#include "ui/train/new_experiment_dialog.h"
#include "ui/train/run_watcher.h"
#include "ui/train/runs_model.h"
#include "ui/train/train_panel.h"

namespace depthscope::ui {

WindowRuns::WindowRuns(const Parts& parts) : QObject(parts.window), p_(parts) {
  connect(p_.runs, &RunsModel::batch_applied, this, &WindowRuns::on_batch);
  connect(p_.watcher, &RunWatcher::failed, this, [this](const QString& message) {
    p_.log->append_error("run database: " + message);
    p_.runs_label->setText("run database: cannot read it (see the Log)");
  });
  connect(p_.actions, &JobActions::finished, this, &WindowRuns::on_action);
  connect(p_.jobs, &JobList::new_experiment_requested, this, [this] { new_experiment_dialog(); });
  connect(p_.jobs, &JobList::start_queue_requested, p_.actions, &JobActions::start_queue);
  connect(p_.jobs, &JobList::stop_requested, p_.actions, &JobActions::stop);
  connect(p_.jobs, &JobList::resume_requested, p_.actions, &JobActions::resume);
  connect(p_.jobs, &JobList::delete_requested, p_.actions, &JobActions::remove);
  connect(p_.jobs, &JobList::open_folder_requested, this, &WindowRuns::open_folder);
}

QString WindowRuns::default_database() {
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  return QDir(dir).filePath("runs.sqlite");
}

void WindowRuns::set_database(const QString& path, bool persist) {
  chosen_ = true;
  const QString abs = QFileInfo(path).absoluteFilePath();
  QDir().mkpath(QFileInfo(abs).absolutePath());
  if (persist) QSettings().setValue("workspace/run_db", abs);
  if (abs == db_path_) return;
  db_path_ = abs;
  first_listing_ = true;
  p_.actions->set_database(abs);
  p_.runs->set_database(abs);
  p_.watcher->set_database(abs);
  if (QFileInfo::exists(abs)) p_.compare->runs()->set_database(abs);
  p_.runs_label->setText("run database: " + QFileInfo(abs).fileName());
  p_.runs_label->setToolTip(abs);
  p_.log->append("Run database: " + abs);
}

void WindowRuns::set_cli_path(const QString& path) { p_.actions->set_cli_path(path); }

void WindowRuns::open_dialog() {
  const QString start = db_path_.isEmpty() ? default_database() : db_path_;
  const QString path = QFileDialog::getSaveFileName(p_.window, "Open run database", start,
                                                    "Run databases (*.sqlite *.db);;All files (*)", nullptr,
                                                    QFileDialog::DontConfirmOverwrite);
  if (!path.isEmpty()) set_database(path, true);
}

NewExperimentDialog* WindowRuns::new_experiment_dialog() {
  if (auto* open = p_.window->findChild<NewExperimentDialog*>(QString(), Qt::FindDirectChildrenOnly)) {
    open->raise();
    return open;
  }
  auto* dialog = new NewExperimentDialog(p_.window, p_.device_box->options());
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->restore_last();
  connect(dialog, &QDialog::accepted, this, [this, dialog] {
    if (db_path_.isEmpty()) return;
    dialog->remember();
    p_.actions->set_parallel(dialog->parallel());
    p_.actions->launch(dialog->spec_json(), dialog->name());
    p_.log->append(QString("Launching %1 into %2").arg(dialog->name(), db_path_));
  });
  dialog->open();
  return dialog;
}

void WindowRuns::on_batch(const WatchBatch& batch) {
  int running = 0, queued = 0;
  for (const RunJob& r : batch.runs) {
    running += r.run.status == store::RunStatus::running;
    queued += r.run.status == store::RunStatus::queued;
  }
  p_.runs_label->setText(QString("%1 · %2 runs · %3 running · %4 queued")
                             .arg(QFileInfo(db_path_).fileName()).arg(batch.runs.size()).arg(running).arg(queued));
  for (const store::EventRecord& e : batch.events) {
    const QString line = (e.run_id ? QString("run %1: ").arg(*e.run_id) : QString()) + QString::fromStdString(e.message);
    if (e.level == store::EventLevel::error) p_.log->append_error(line);
    else if (e.level != store::EventLevel::debug) p_.log->append(line);
  }
  if (!first_listing_) return;
  first_listing_ = false;
  // Runs that were training when this workspace was last closed and have ended since.
  QSettings settings;
  if (settings.value("workspace/active_db").toString() == db_path_) {
    const QStringList active = settings.value("workspace/active_runs").toStringList();
    for (const RunJob& r : batch.runs) {
      if (!active.contains(QString::number(r.run.id)) || !store::is_terminal(r.run.status)) continue;
      p_.log->append(QString("Run %1 (%2) ended while DepthScope was closed: %3 at step %4/%5")
                         .arg(r.run.id).arg(QString::fromStdString(r.run.name), run_status_text(r))
                         .arg(r.run.step).arg(r.run.steps));
    }
  }
  if (running > 0) p_.log->append(QString("%1 run(s) still training in their own processes: following them").arg(running));
}

void WindowRuns::on_action(const ActionResult& r) {
  if (r.ok) {
    p_.log->append(r.what + ": " + r.message);
  } else {
    p_.log->append_error(r.what + ": " + r.message);
    show_error(p_.window, r.what, QString("%1 failed.").arg(r.what), r.message,
               "Run database: " + db_path_ + "\ndepthscope-cli: " + p_.actions->cli_path(), "action_error");
  }
  p_.watcher->poll_now();
  emit action_finished(r.ok, r.what, r.message);
}

void WindowRuns::stop() {
  if (auto run = p_.jobs_panel->selected_run()) {
    p_.jobs->request_stop(*run);
    return;
  }
  p_.train->stop_experiment();
}

void WindowRuns::resume() {
  if (auto run = p_.jobs_panel->selected_run()) {
    p_.jobs->request_resume(*run);
    return;
  }
  p_.train->resume_experiment();
}

void WindowRuns::open_folder(qint64 run) {
  const QString dir = QDir(run_folder(db_path_)).filePath(QString("run-%1").arg(run));
  const QString target = QFileInfo::exists(dir) ? dir : run_folder(db_path_);
  if (!QFileInfo::exists(target)) {
    QMessageBox::information(p_.window, "Open folder",
                             QString("Run %1 has no folder yet:\n%2\n\nIt is created when the run writes "
                                     "its first checkpoint or log line.").arg(run).arg(dir));
    return;
  }
  QDesktopServices::openUrl(QUrl::fromLocalFile(target));
}

void WindowRuns::remember_active() const {
  QStringList active;
  for (const RunJob& r : p_.runs->runs())
    if (!store::is_terminal(r.run.status)) active << QString::number(r.run.id);
  QSettings settings;
  settings.setValue("workspace/active_db", db_path_);
  settings.setValue("workspace/active_runs", active);
}

}  // namespace depthscope::ui
