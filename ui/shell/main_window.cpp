#include "ui/shell/main_window.h"

#include <QAction>
#include <QIcon>
#include <QPainter>
#include <QApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPixmap>
#include <QSettings>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QStandardPaths>
#include <QUrl>

#include "core/runtime/device.h"
#include "ui/shared/device_selector.h"
#include "core/runtime/threads.h"
#include "core/version.h"
#include "ui/shell/about_dialog.h"
#include "ui/shell/app_icon.h"
#include "ui/shell/help.h"
#include "ui/shell/window_menus.h"
#include "ui/shell/window_shortcuts.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/compare_runs.h"
#include "ui/tour/tour_panel.h"
#include "ui/shared/background_task.h"
#include "ui/inspect/inspect_panel.h"
#include "core/session/model_session.h"
#include "ui/inspect/model_summary_panel.h"
#include "ui/shared/text_format.h"
#include "ui/shared/chart.h"
#include "ui/shared/chart_export.h"
#include "ui/shared/error_dialog.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/shared/job_list.h"
#include "ui/shared/jobs_panel.h"
#include "ui/shared/log_panel.h"
#include "ui/shared/workspace_browser.h"
#include "ui/train/job_actions.h"
#include "ui/train/new_experiment_dialog.h"
#include "ui/train/run_watcher.h"
#include "ui/train/runs_model.h"
#include "ui/train/train_panel.h"

namespace depthscope::ui {
namespace {

QString cuda_status() {
  return "CUDA: " + QString::fromStdString(device_report().summary());
}

QDockWidget* make_dock(const QString& title, const QString& name, QWidget* content, QWidget* parent) {
  auto* dock = new QDockWidget(title, parent);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                    QDockWidget::DockWidgetFloatable);
  return dock;
}

}  // namespace

MainWindow::MainWindow(bool start_default_work, QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QString("DepthScope %1").arg(DEPTHSCOPE_VERSION));
  setWindowIcon(application_icon());
  jobs_ = new JobList(this);
  loader_ = new TaskRunner(this);
  menus_ = new WindowMenus(this);
  setAcceptDrops(true);

  // Centre: one tab per real panel.
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  depth_glance_ = new DepthGlancePanel(jobs_);
  add_tab(depth_glance_, "Depth at a glance", "tab_glance");
  watcher_ = new RunWatcher(this);
  runs_ = new RunsModel(this);  // the one list of runs: Jobs dock, Workspace, Train, Compare
  runs_->follow(watcher_);
  actions_ = new JobActions(this);
  train_ = new TrainPanel(runs_, watcher_, jobs_);
  add_tab(train_, "Train", "tab_train");
  compare_ = new ComparePanel(jobs_);
  add_tab(compare_, "Compare", "tab_compare");
  tour_ = new TourPanel;
  add_tab(tour_, "Tour", "tab_tour");
  // The Compare tab lists the runs of the workspace's database once that file exists.
  connect(tabs_, &QTabWidget::currentChanged, this, [this] {
    if (tabs_->currentWidget() == compare_ && !db_path_.isEmpty() && compare_->runs()->database() != db_path_ &&
        QFileInfo::exists(db_path_))
      compare_->runs()->set_database(db_path_);
  });
  setCentralWidget(tabs_);

  // Left: workspace browser. Bottom: Jobs and Log side by side.
  workspace_ = new WorkspaceBrowser;
  workspace_->setMinimumWidth(190);
  workspace_dock_ = make_dock("Workspace", "workspace_dock", workspace_, this);
  addDockWidget(Qt::LeftDockWidgetArea, workspace_dock_);
  workspace_->follow(runs_);
  jobs_panel_ = new JobsPanel(jobs_, runs_);
  jobs_dock_ = make_dock("Jobs", "jobs_dock", jobs_panel_, this);
  log_ = new LogPanel;
  log_dock_ = make_dock("Log", "log_dock", log_, this);
  addDockWidget(Qt::BottomDockWidgetArea, jobs_dock_);
  splitDockWidget(jobs_dock_, log_dock_, Qt::Horizontal);
  resizeDocks({workspace_dock_}, {250}, Qt::Horizontal);
  resizeDocks({jobs_dock_, log_dock_}, {700, 500}, Qt::Horizontal);
  resizeDocks({jobs_dock_}, {170}, Qt::Vertical);

  menus_->build({workspace_dock_, jobs_dock_, log_dock_});
  connect(menus_, &WindowMenus::open_checkpoint, this, &MainWindow::open_checkpoint_dialog);
  connect(menus_, &WindowMenus::open_path, this, &MainWindow::open_path);
  connect(menus_, &WindowMenus::export_chart, this, &MainWindow::export_current_chart);
  connect(menus_, &WindowMenus::open_run_database, this, &MainWindow::open_run_database_dialog);
  connect(menus_, &WindowMenus::new_experiment, this, [this] { new_experiment_dialog(); });
  connect(menus_, &WindowMenus::stop_runs, this, &MainWindow::stop_runs);
  connect(menus_, &WindowMenus::resume_runs, this, &MainWindow::resume_runs);
  connect(menus_, &WindowMenus::start_queue, actions_, &JobActions::start_queue);
  connect(menus_, &WindowMenus::show_train, this, [this] { tabs_->setCurrentWidget(train_); });
  connect(menus_, &WindowMenus::about, this, &MainWindow::show_about);
  connect(menus_, &WindowMenus::shortcuts, this, [this] { show_shortcuts(this); });
  connect(menus_, &WindowMenus::documentation, this, [this] { open_documentation(this); });
  // Window shortcuts (Ctrl+E …) work while a spin box has the focus (ui/shell/window_shortcuts.h).
  qApp->installEventFilter(new WindowShortcutFilter(this));
  build_status_bar();
  parts_ = {depth_glance_, workspace_, log_, jobs_, runs_, tabs_, jobs_panel_, train_,
            compare_, tour_, watcher_, actions_, device_box_};

  connect(depth_glance_, &DepthGlancePanel::log, log_, &LogPanel::append);
  connect(compare_, &ComparePanel::log, log_, &LogPanel::append);
  connect(tour_, &TourPanel::log, log_, &LogPanel::append);
  connect(tour_, &TourPanel::presenter_mode_changed, this, &MainWindow::set_presenting);
  connect(compare_, &ComparePanel::device_refused, this,
          [this](const QString& message) { fall_back_to_cpu("Compare", message); });
  connect(depth_glance_, &DepthGlancePanel::failed, this, [this](const QString& message) {
    const ComputeDevice device = depth_glance_->device();
    if (device.is_cuda() && !device_unavailable_reason(device).empty()) {
      fall_back_to_cpu("Depth at a glance", message);
      depth_glance_->recompute();
      return;
    }
    show_error(this, "Depth at a glance", "The variance-at-initialisation run failed.", message, QString(), "glance_error");
  });
  // Training runs: the watcher reads the database; requests from the views go to the job manager.
  connect(runs_, &RunsModel::batch_applied, this, &MainWindow::on_runs);
  compare_->runs()->follow(runs_);
  connect(watcher_, &RunWatcher::failed, this, [this](const QString& message) {
    log_->append_error("run database: " + message);
    runs_label_->setText("run database: cannot read it (see the Log)");
  });
  connect(actions_, &JobActions::finished, this, &MainWindow::on_action);
  connect(actions_, &JobActions::launched, this, [this](qint64 experiment, const QList<qint64>&, const QString&) {
    train_->show_experiment_when_listed(experiment);
    tabs_->setCurrentWidget(train_);
  });
  connect(jobs_, &JobList::new_experiment_requested, this, [this] { new_experiment_dialog(); });
  connect(jobs_, &JobList::start_queue_requested, actions_, &JobActions::start_queue);
  connect(jobs_, &JobList::stop_requested, actions_, &JobActions::stop);
  connect(jobs_, &JobList::resume_requested, actions_, &JobActions::resume);
  connect(jobs_, &JobList::delete_requested, this, &MainWindow::delete_run);
  connect(jobs_, &JobList::open_folder_requested, this, &MainWindow::open_run_folder);
  // A run selected in any list is the Train tab's; activated (double-click, "Show in Train
  // tab", a click in the Workspace) it also brings the Train tab forward.
  connect(runs_, &RunsModel::run_selected, train_, [this](qint64 run) {
    if (run != 0) train_->show_run(run);
  });
  connect(runs_, &RunsModel::run_activated, this, [this] { tabs_->setCurrentWidget(train_); });
  connect(workspace_, &WorkspaceBrowser::open_requested, this, &MainWindow::open_path);
  connect(loader_, &TaskRunner::progress, this, [this](int, double f, double eta, const QString& stage) {
    jobs_->progress(load_job_, f, eta, stage);
  });
  connect(loader_, &TaskRunner::finished, this, [this](int, bool cancelled, double seconds) {
    if (cancelled || !pending_ || !*pending_) {
      jobs_->end(load_job_, "cancelled");
      log_->append("Loading cancelled: " + loading_path_);
      emit checkpoint_loaded(false, "cancelled");
      return;
    }
    jobs_->end(load_job_, "finished");
    log_->append(QString("Loaded %1 in %2 s").arg(loading_path_).arg(seconds, 0, 'f', 2));
    on_checkpoint_loaded(loading_path_, *pending_);
  });
  connect(loader_, &TaskRunner::failed, this, [this](int, const QString& message) {
    jobs_->end(load_job_, "failed");
    if (loading_device_.is_cuda() && !device_unavailable_reason(loading_device_).empty()) {
      // Core refused the device (not the file): say why, then open the file on the CPU.
      const QString path = loading_path_;
      fall_back_to_cpu("Opening " + QFileInfo(path).fileName(), message);
      emit checkpoint_loaded(false, message);
      open_path(path);
      return;
    }
    log_->append_error(message);
    // Non-blocking, so the rest of the app stays usable (and tests can read it).
    const QFileInfo info(loading_path_);
    show_error(this, "Could not open checkpoint", QString("DepthScope could not open\n%1").arg(loading_path_), message,
               QString("Path: %1 (%2)\nDepthScope opens Hugging Face folders or .safetensors files (Llama, Mistral, "
                       "Qwen2/3, GPT-2) and llama2.c .bin files; docs/checkpoints.md lists what it checks.")
                   .arg(info.absoluteFilePath(),
                        info.isDir() ? QString("folder") : info.exists() ? QString("%1 bytes").arg(info.size())
                                                                         : QString("does not exist")),
               "load_error");
    emit checkpoint_loaded(false, message);
  });

  log_->append(QString("DepthScope %1 · %2 threads · %3 · %4")
                   .arg(DEPTHSCOPE_VERSION).arg(threads())
                   .arg(QString::fromStdString(blas_name()), cuda_status()));
  if (device_box_->device().is_cuda()) log_->append("Device: " + device_box_->device_text());
  resize(1400, 900);
  {
    QSettings settings;
    if (settings.contains("window/geometry")) restoreGeometry(settings.value("window/geometry").toByteArray());
    if (settings.contains("window/state")) restoreState(settings.value("window/state").toByteArray());
  }
  // The remembered run database, unless the caller chooses one before the event loop runs.
  QTimer::singleShot(0, this, [this] {
    if (db_chosen_) return;
    const QString saved = QSettings().value("workspace/run_db").toString();
    set_run_database(saved.isEmpty() ? default_run_database() : saved, false);
  });
  if (start_default_work) QTimer::singleShot(0, depth_glance_, &DepthGlancePanel::recompute);
}

void MainWindow::build_status_bar() {
  device_box_ = new DeviceSelector(device_options());
  device_label_ = new QLabel;
  device_label_->setObjectName("device_label");
  device_label_->setToolTip(QString("The device in use (the Device box beside it), LibTorch %1's threads (set with "
                                    "--threads N or DEPTHSCOPE_THREADS), the BLAS and the GPUs found")
                                .arg(QString::fromStdString(torch_version())));
  connect(device_box_, &DeviceSelector::device_changed, this, [this] {
    apply_device();
    log_->append("Device: " + device_box_->device_text());
    // The open checkpoint moves with the choice (opened again from its file on the new device).
    if (session_ && !session_path_.isEmpty() && !loader_->running()) open_path(session_path_);
  });
  apply_device();
  auto* device_caption = new QLabel("Device");
  device_caption->setToolTip(device_box_->toolTip());
  device_caption->setBuddy(device_box_);
  statusBar()->addWidget(device_caption);
  statusBar()->addWidget(device_box_);
  model_label_ = new QLabel("model: none loaded");
  runs_label_ = new QLabel("run database: opening…");
  runs_label_->setToolTip("The run database this workspace follows (File ▸ Open run database…)");
  statusBar()->addWidget(device_label_, 1);
  statusBar()->addPermanentWidget(runs_label_);
  statusBar()->addPermanentWidget(model_label_);
}

void MainWindow::apply_device() {
  const ComputeDevice device = device_box_->device();
  // "CPU" as before the Device box existed; a GPU by its name.
  device_label_->setText(QString("%1 · %2 threads · %3 · %4")
                             .arg(device.is_cuda() ? device_box_->device_text() : QString("CPU"))
                             .arg(threads())
                             .arg(QString::fromStdString(blas_name()), cuda_status()));
  depth_glance_->set_device(device);
  compare_->checkpoints()->set_device(device);
}

void MainWindow::fall_back_to_cpu(const QString& what, const QString& message) {
  log_->append_error(message);
  // Work started on the GPU before an earlier fallback: already on cpu, said once.
  if (!device_box_->device().is_cuda()) return;
  const QString device = device_box_->device_text();
  log_->append(QString("%1 on %2 failed; using cpu").arg(what, device));
  show_error(this, "Device unavailable",
             QString("%1 cannot run on %2. DepthScope switched the Device box to cpu and does it there.").arg(what, device),
             message,
             QString("Devices offered: %1%2")
                 .arg([this] {
                   QStringList labels;
                   for (const DeviceOption& o : device_box_->options().options) labels << o.label;
                   return labels.join(", ");
                 }())
                 .arg(device_box_->options().fake
                          ? QString("\nThe GPUs were listed from %1, a test hook; core checks the real device.")
                                .arg(kFakeGpusVariable)
                          : QString()),
             "device_error");
  device_box_->select(ComputeDevice{}, false);
  apply_device();
}

void MainWindow::open_checkpoint_dialog() {
  const QString dir = QSettings().value("open/dir").toString();
  const QString path = QFileDialog::getOpenFileName(
      this, "Open checkpoint", dir,
      "Checkpoints (*.safetensors *.json *.bin);;All files (*)");
  if (path.isEmpty()) return;
  QSettings().setValue("open/dir", QFileInfo(path).absolutePath());
  open_path(path);
}

void MainWindow::open_path(const QString& path) {
  loading_path_ = path;
  pending_ = std::make_shared<std::shared_ptr<const ModelSession>>();
  auto result = pending_;
  const std::string file = path.toStdString();
  const ComputeDevice device = device_box_->device();
  loading_device_ = device;
  if (load_job_ && loader_->running()) jobs_->end(load_job_, "cancelled");  // start() abandons it
  const int task = loader_->start([result, file, device](const TaskContext& ctx) {
    *result = ModelSession::open(file, ctx.phase(0.0, 1.0, "loading"), device);
  });
  TaskRunner* loader = loader_;
  load_job_ = jobs_->start("Open " + QFileInfo(path).fileName(), [loader, task] { loader->cancel(task); });
  log_->append("Opening " + path + (device.is_cuda() ? " on " + device_box_->device_text() : QString()));
}

bool MainWindow::loading() const { return loader_->running(); }

void MainWindow::on_checkpoint_loaded(const QString& path, std::shared_ptr<const ModelSession> session) {
  session_ = std::move(session);
  session_path_ = path;
  session_device_ = loading_device_;
  const ModelSummary& s = session_->summary();
  if (!model_summary_) {
    model_summary_ = new ModelSummaryPanel;
    inspect_ = new InspectPanel(jobs_);
    connect(inspect_, &InspectPanel::log, log_, &LogPanel::append);
    connect(inspect_, &InspectPanel::failed, this, [this](const QString& message) {
      show_error(this, "Inspect", "The analysis of the open checkpoint failed.", message,
                 "Checkpoint: " + loading_path_, "inspect_error");
    });
    add_tab(model_summary_, "Model", "tab_model");
    add_tab(inspect_, "Inspect", "tab_inspect");
  }
  model_summary_->set_summary(s);
  inspect_->set_session(session_);
  workspace_->add_recent(path);  // only what opened: a failed open is not offered again
  workspace_->add_checkpoint(QString("%1 · %2").arg(QFileInfo(path).fileName(), QString::fromStdString(s.scheme)), path);
  model_label_->setText(QString("model: %1 %2×%3, %4 params, %5")
                            .arg(QString::fromStdString(s.family)).arg(s.num_layers).arg(s.hidden_size)
                            .arg(human_count(double(s.parameters.total())), QString::fromStdString(s.scheme)));
  tabs_->setCurrentWidget(inspect_);
  inspect_->analyse();
  emit checkpoint_loaded(true, path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() && !event->mimeData()->urls().isEmpty() &&
      event->mimeData()->urls().front().isLocalFile())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.front().isLocalFile()) return;
  open_path(urls.front().toLocalFile());
  event->acceptProposedAction();
}

void MainWindow::export_current_chart() {
  QWidget* page = tabs_->currentWidget();
  const QList<Chart*> charts = page ? page->findChildren<Chart*>() : QList<Chart*>();
  if (charts.isEmpty()) {
    QMessageBox::information(this, "Export chart", "This tab has no chart to export.");
    return;
  }
  Chart* chart = charts.front();
  if (charts.size() > 1) {
    QStringList titles;
    for (Chart* c : charts) titles << c->title();
    bool ok = false;
    const QString pick = QInputDialog::getItem(this, "Export chart", "Chart:", titles, 0, false, &ok);
    if (!ok) return;
    chart = charts[titles.indexOf(pick)];
  }
  const QString written = export_chart_dialog(chart, this);
  if (!written.isEmpty()) log_->append("Exported " + written);
}

void MainWindow::show_about() {
  AboutDialog dialog(this);
  dialog.exec();
}

}  // namespace depthscope::ui

namespace depthscope::ui {

void MainWindow::add_tab(QWidget* w, const QString& title, const QString& object_name) {
  w->setObjectName(object_name);
  const int index = tabs_->addTab(w, title);
  menus_->add_go_to(tabs_, index, w, title);
}

bool MainWindow::select_tab(const QString& name) {
  for (int i = 0; i < tabs_->count(); ++i) {
    const QString object = tabs_->widget(i)->objectName();
    if (object == "tab_" + name || object == name) {
      tabs_->setCurrentIndex(i);
      return true;
    }
  }
  return false;
}

QStringList MainWindow::tab_names() const {
  QStringList names;
  for (int i = 0; i < tabs_->count(); ++i) {
    QString n = tabs_->widget(i)->objectName();
    if (n.startsWith("tab_")) n = n.mid(4);
    names << n;
  }
  return names;
}

QString MainWindow::default_run_database() {
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  return QDir(dir).filePath("runs.sqlite");
}

void MainWindow::set_run_database(const QString& path, bool persist) {
  db_chosen_ = true;
  const QString abs = QFileInfo(path).absoluteFilePath();
  QDir().mkpath(QFileInfo(abs).absolutePath());
  if (persist) QSettings().setValue("workspace/run_db", abs);
  if (abs == db_path_) return;
  db_path_ = abs;
  first_listing_ = true;
  actions_->set_database(abs);
  runs_->set_database(abs);
  watcher_->set_database(abs);
  if (QFileInfo::exists(abs)) compare_->runs()->set_database(abs);
  runs_label_->setText("run database: " + QFileInfo(abs).fileName());
  runs_label_->setToolTip(abs);
  log_->append("Run database: " + abs);
}

void MainWindow::set_cli_path(const QString& path) { actions_->set_cli_path(path); }

void MainWindow::open_run_database_dialog() {
  const QString start = db_path_.isEmpty() ? default_run_database() : db_path_;
  const QString path = QFileDialog::getSaveFileName(this, "Open run database", start,
                                                    "Run databases (*.sqlite *.db);;All files (*)", nullptr,
                                                    QFileDialog::DontConfirmOverwrite);
  if (!path.isEmpty()) set_run_database(path, true);
}

NewExperimentDialog* MainWindow::new_experiment_dialog() {
  if (auto* open = findChild<NewExperimentDialog*>(QString(), Qt::FindDirectChildrenOnly)) {
    open->raise();
    return open;
  }
  auto* dialog = new NewExperimentDialog(this, device_box_->options());
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->restore_last();
  connect(dialog, &QDialog::accepted, this, [this, dialog] {
    if (db_path_.isEmpty()) return;
    dialog->remember();
    actions_->set_parallel(dialog->parallel());
    actions_->launch(dialog->spec_json(), dialog->name());
    log_->append(QString("Launching %1 into %2").arg(dialog->name(), db_path_));
  });
  dialog->open();
  return dialog;
}

void MainWindow::on_runs(const WatchBatch& batch) {
  int running = 0, queued = 0;
  for (const RunJob& r : batch.runs) {
    running += r.run.status == store::RunStatus::running;
    queued += r.run.status == store::RunStatus::queued;
  }
  runs_label_->setText(QString("%1 · %2 runs · %3 running · %4 queued")
                           .arg(QFileInfo(db_path_).fileName()).arg(batch.runs.size()).arg(running).arg(queued));
  for (const store::EventRecord& e : batch.events) {
    const QString line = (e.run_id ? QString("run %1: ").arg(*e.run_id) : QString()) + QString::fromStdString(e.message);
    if (e.level == store::EventLevel::error) log_->append_error(line);
    else if (e.level != store::EventLevel::debug) log_->append(line);
  }
  if (first_listing_) {
    first_listing_ = false;
    // Runs that were training when this workspace was last closed and have ended since.
    QSettings settings;
    if (settings.value("workspace/active_db").toString() == db_path_) {
      const QStringList active = settings.value("workspace/active_runs").toStringList();
      for (const RunJob& r : batch.runs) {
        if (!active.contains(QString::number(r.run.id)) || !store::is_terminal(r.run.status)) continue;
        log_->append(QString("Run %1 (%2) ended while DepthScope was closed: %3 at step %4/%5")
                         .arg(r.run.id).arg(QString::fromStdString(r.run.name), run_status_text(r))
                         .arg(r.run.step).arg(r.run.steps));
      }
    }
    if (running > 0) log_->append(QString("%1 run(s) still training in their own processes: following them").arg(running));
  }
}

void MainWindow::on_action(const ActionResult& r) {
  if (r.ok) {
    log_->append(r.what + ": " + r.message);
  } else {
    log_->append_error(r.what + ": " + r.message);
    show_error(this, r.what, QString("%1 failed.").arg(r.what), r.message,
               "Run database: " + db_path_ + "\ndepthscope-cli: " + actions_->cli_path(), "action_error");
  }
  watcher_->poll_now();
  emit job_action_finished(r.ok, r.what, r.message);
}

void MainWindow::set_presenting(bool on) {
  if (on == presenting_) return;
  presenting_ = on;
  if (on) {
    // The tour alone on the whole screen; the layout as it was comes back after.
    saved_geometry_ = saveGeometry();
    saved_state_ = saveState();
    for (QDockWidget* d : {workspace_dock_, jobs_dock_, log_dock_}) d->hide();
    menuBar()->hide();
    statusBar()->hide();
    tabs_->tabBar()->hide();
    showFullScreen();
  } else {
    menuBar()->show();
    statusBar()->show();
    tabs_->tabBar()->show();
    showNormal();
    restoreState(saved_state_);
    restoreGeometry(saved_geometry_);
  }
}

void MainWindow::stop_runs() {
  if (auto run = jobs_panel_->selected_run()) {
    jobs_->request_stop(*run);
    return;
  }
  train_->stop_experiment();
}

void MainWindow::resume_runs() {
  if (auto run = jobs_panel_->selected_run()) {
    jobs_->request_resume(*run);
    return;
  }
  train_->resume_experiment();
}

void MainWindow::delete_run(qint64 run, bool files) {
  actions_->remove(run, files);
}

void MainWindow::open_run_folder(qint64 run) {
  const QString dir = QDir(run_folder(db_path_)).filePath(QString("run-%1").arg(run));
  const QString target = QFileInfo::exists(dir) ? dir : run_folder(db_path_);
  if (!QFileInfo::exists(target)) {
    QMessageBox::information(this, "Open folder", QString("Run %1 has no folder yet:\n%2\n\nIt is created when the run writes "
                                                          "its first checkpoint or log line.").arg(run).arg(dir));
    return;
  }
  QDesktopServices::openUrl(QUrl::fromLocalFile(target));
}

void MainWindow::save_workspace() {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  QStringList active;
  for (const RunJob& r : runs_->runs())
    if (!store::is_terminal(r.run.status)) active << QString::number(r.run.id);
  settings.setValue("workspace/active_db", db_path_);
  settings.setValue("workspace/active_runs", active);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  save_workspace();
  QMainWindow::closeEvent(event);
}

}  // namespace depthscope::ui
