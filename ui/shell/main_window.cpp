#include "ui/shell/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUrl>

#include "core/runtime/device.h"
#include "core/runtime/threads.h"
#include "core/session/model_session.h"
#include "core/version.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/compare_runs.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/inspect/inspect_panel.h"
#include "ui/inspect/model_summary_panel.h"
#include "ui/shared/chart.h"
#include "ui/shared/chart_export.h"
#include "ui/shared/device_selector.h"
#include "ui/shared/error_dialog.h"
#include "ui/shared/job_list.h"
#include "ui/shared/jobs_panel.h"
#include "ui/shared/log_panel.h"
#include "ui/shared/text_format.h"
#include "ui/shared/workspace_browser.h"
#include "ui/shell/about_dialog.h"
#include "ui/shell/app_icon.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/help.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_menus.h"
#include "ui/shell/window_runs.h"
#include "ui/shell/window_shortcuts.h"
#include "ui/tour/tour_panel.h"
#include "ui/train/job_actions.h"
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
  Parts& p = parts_;
  p.jobs = new JobList(this);
  p.opener = new CheckpointOpener(p.jobs, this);
  menus_ = new WindowMenus(this);
  setAcceptDrops(true);

  // Centre: one tab per real panel.
  p.tabs = new QTabWidget;
  p.tabs->setDocumentMode(true);
  p.depth_glance = new DepthGlancePanel(p.jobs);
  add_tab(p.depth_glance, "Depth at a glance", "tab_glance");
  p.run_watcher = new RunWatcher(this);
  p.runs = new RunsModel(this);  // the one list of runs: Jobs dock, Workspace, Train, Compare
  p.runs->follow(p.run_watcher);
  p.job_actions = new JobActions(this);
  p.train = new TrainPanel(p.runs, p.run_watcher, p.jobs);
  add_tab(p.train, "Train", "tab_train");
  p.compare = new ComparePanel(p.jobs);
  add_tab(p.compare, "Compare", "tab_compare");
  p.tour = new TourPanel;
  add_tab(p.tour, "Tour", "tab_tour");
  setCentralWidget(p.tabs);

  build_docks();
  build_status_bar();
  p.run_database = new WindowRuns({this, p.jobs, p.runs, p.run_watcher, p.job_actions, p.jobs_panel, p.train,
                                   p.compare, p.log_panel, p.device_box, runs_label_});
  p.presenter = new PresenterMode(this, p.tabs, {workspace_dock_, jobs_dock_, log_dock_});
  connect_parts();

  p.log_panel->append(QString("DepthScope %1 · %2 threads · %3 · %4")
                          .arg(DEPTHSCOPE_VERSION).arg(threads())
                          .arg(QString::fromStdString(blas_name()), cuda_status()));
  if (p.device_box->device().is_cuda()) p.log_panel->append("Device: " + p.device_box->device_text());
  resize(1400, 900);
  {
    QSettings settings;
    if (settings.contains("window/geometry")) restoreGeometry(settings.value("window/geometry").toByteArray());
    if (settings.contains("window/state")) restoreState(settings.value("window/state").toByteArray());
  }
  // The remembered run database, unless the caller chooses one before the event loop runs.
  QTimer::singleShot(0, this, [this] {
    if (parts_.run_database->chosen()) return;
    const QString saved = QSettings().value("workspace/run_db").toString();
    parts_.run_database->set_database(saved.isEmpty() ? WindowRuns::default_database() : saved, false);
  });
  if (start_default_work) QTimer::singleShot(0, p.depth_glance, &DepthGlancePanel::recompute);
}

void MainWindow::build_docks() {
  // Left: workspace browser. Bottom: Jobs and Log side by side.
  Parts& p = parts_;
  p.workspace = new WorkspaceBrowser;
  p.workspace->setMinimumWidth(190);
  workspace_dock_ = make_dock("Workspace", "workspace_dock", p.workspace, this);
  addDockWidget(Qt::LeftDockWidgetArea, workspace_dock_);
  p.workspace->follow(p.runs);
  p.jobs_panel = new JobsPanel(p.jobs, p.runs);
  jobs_dock_ = make_dock("Jobs", "jobs_dock", p.jobs_panel, this);
  p.log_panel = new LogPanel;
  log_dock_ = make_dock("Log", "log_dock", p.log_panel, this);
  addDockWidget(Qt::BottomDockWidgetArea, jobs_dock_);
  splitDockWidget(jobs_dock_, log_dock_, Qt::Horizontal);
  resizeDocks({workspace_dock_}, {250}, Qt::Horizontal);
  resizeDocks({jobs_dock_, log_dock_}, {700, 500}, Qt::Horizontal);
  resizeDocks({jobs_dock_}, {170}, Qt::Vertical);
}

void MainWindow::connect_parts() {
  const Parts& p = parts_;
  // The Compare tab lists the runs of the workspace's database once that file exists.
  connect(p.tabs, &QTabWidget::currentChanged, this, [this] {
    const Parts& p = parts_;
    const QString db = p.run_database->database();
    if (p.tabs->currentWidget() == p.compare && !db.isEmpty() && p.compare->runs()->database() != db &&
        QFileInfo::exists(db))
      p.compare->runs()->set_database(db);
  });

  menus_->build({workspace_dock_, jobs_dock_, log_dock_});
  connect(menus_, &WindowMenus::open_checkpoint, this, [this] {
    const QString path = ask_checkpoint_path(this);
    if (!path.isEmpty()) open_path(path);
  });
  connect(menus_, &WindowMenus::open_path, this, &MainWindow::open_path);
  connect(menus_, &WindowMenus::export_chart, this, &MainWindow::export_current_chart);
  connect(menus_, &WindowMenus::open_run_database, p.run_database, &WindowRuns::open_dialog);
  connect(menus_, &WindowMenus::new_experiment, p.run_database, [this] { parts_.run_database->new_experiment_dialog(); });
  connect(menus_, &WindowMenus::stop_runs, p.run_database, &WindowRuns::stop);
  connect(menus_, &WindowMenus::resume_runs, p.run_database, &WindowRuns::resume);
  connect(menus_, &WindowMenus::start_queue, p.job_actions, &JobActions::start_queue);
  connect(menus_, &WindowMenus::show_train, this, [this] { parts_.tabs->setCurrentWidget(parts_.train); });
  connect(menus_, &WindowMenus::about, this, [this] {
    AboutDialog dialog(this);
    dialog.exec();
  });
  connect(menus_, &WindowMenus::shortcuts, this, [this] { show_shortcuts(this); });
  connect(menus_, &WindowMenus::documentation, this, [this] { open_documentation(this); });
  // Window shortcuts (Ctrl+E …) work while a spin box has the focus (ui/shell/window_shortcuts.h).
  qApp->installEventFilter(new WindowShortcutFilter(this));

  connect(p.depth_glance, &DepthGlancePanel::log, p.log_panel, &LogPanel::append);
  connect(p.compare, &ComparePanel::log, p.log_panel, &LogPanel::append);
  connect(p.tour, &TourPanel::log, p.log_panel, &LogPanel::append);
  connect(p.tour, &TourPanel::presenter_mode_changed, p.presenter, &PresenterMode::set);
  connect(p.compare, &ComparePanel::device_refused, this,
          [this](const QString& message) { fall_back_to_cpu("Compare", message); });
  connect(p.depth_glance, &DepthGlancePanel::failed, this, [this](const QString& message) {
    const ComputeDevice device = parts_.depth_glance->device();
    if (device.is_cuda() && !device_unavailable_reason(device).empty()) {
      fall_back_to_cpu("Depth at a glance", message);
      parts_.depth_glance->recompute();
      return;
    }
    show_error(this, "Depth at a glance", "The variance-at-initialisation run failed.", message, QString(), "glance_error");
  });
  // Training runs: the watcher reads the database; requests from the views go to the job manager.
  p.compare->runs()->follow(p.runs);
  connect(p.run_database, &WindowRuns::action_finished, this, &MainWindow::job_action_finished);
  connect(p.job_actions, &JobActions::launched, this, [this](qint64 experiment, const QList<qint64>&, const QString&) {
    parts_.train->show_experiment_when_listed(experiment);
    parts_.tabs->setCurrentWidget(parts_.train);
  });
  // A run selected in any list is the Train tab's; activated (double-click, "Show in Train
  // tab", a click in the Workspace) it also brings the Train tab forward.
  connect(p.runs, &RunsModel::run_selected, p.train, [this](qint64 run) {
    if (run != 0) parts_.train->show_run(run);
  });
  connect(p.runs, &RunsModel::run_activated, this, [this] { parts_.tabs->setCurrentWidget(parts_.train); });
  connect(p.workspace, &WorkspaceBrowser::open_requested, this, &MainWindow::open_path);
  connect(p.opener, &CheckpointOpener::log, p.log_panel, &LogPanel::append);
  connect(p.opener, &CheckpointOpener::loaded, this, &MainWindow::on_checkpoint_loaded);
  connect(p.opener, &CheckpointOpener::cancelled, this, [this] { emit checkpoint_loaded(false, "cancelled"); });
  connect(p.opener, &CheckpointOpener::failed, this, &MainWindow::on_load_failed);
}

void MainWindow::build_status_bar() {
  Parts& p = parts_;
  p.device_box = new DeviceSelector(device_options());
  device_label_ = new QLabel;
  device_label_->setObjectName("device_label");
  device_label_->setToolTip(QString("The device in use (the Device box beside it), LibTorch %1's threads (set with "
                                    "--threads N or DEPTHSCOPE_THREADS), the BLAS and the GPUs found")
                                .arg(QString::fromStdString(torch_version())));
  connect(p.device_box, &DeviceSelector::device_changed, this, [this] {
    apply_device();
    parts_.log_panel->append("Device: " + parts_.device_box->device_text());
    // The open checkpoint moves with the choice (opened again from its file on the new device).
    const CheckpointOpener* opener = parts_.opener;
    if (opener->session() && !opener->session_path().isEmpty() && !opener->loading()) open_path(opener->session_path());
  });
  apply_device();
  auto* device_caption = new QLabel("Device");
  device_caption->setToolTip(p.device_box->toolTip());
  device_caption->setBuddy(p.device_box);
  statusBar()->addWidget(device_caption);
  statusBar()->addWidget(p.device_box);
  model_label_ = new QLabel("model: none loaded");
  runs_label_ = new QLabel("run database: opening…");
  runs_label_->setToolTip("The run database this workspace follows (File ▸ Open run database…)");
  statusBar()->addWidget(device_label_, 1);
  statusBar()->addPermanentWidget(runs_label_);
  statusBar()->addPermanentWidget(model_label_);
}

void MainWindow::apply_device() {
  const ComputeDevice device = parts_.device_box->device();
  // "CPU" as before the Device box existed; a GPU by its name.
  device_label_->setText(QString("%1 · %2 threads · %3 · %4")
                             .arg(device.is_cuda() ? parts_.device_box->device_text() : QString("CPU"))
                             .arg(threads())
                             .arg(QString::fromStdString(blas_name()), cuda_status()));
  parts_.depth_glance->set_device(device);
  parts_.compare->checkpoints()->set_device(device);
}

void MainWindow::fall_back_to_cpu(const QString& what, const QString& message) {
  DeviceSelector* box = parts_.device_box;
  parts_.log_panel->append_error(message);
  // Work started on the GPU before an earlier fallback: already on cpu, said once.
  if (!box->device().is_cuda()) return;
  const QString device = box->device_text();
  parts_.log_panel->append(QString("%1 on %2 failed; using cpu").arg(what, device));
  QStringList labels;
  for (const DeviceOption& o : box->options().options) labels << o.label;
  show_error(this, "Device unavailable",
             QString("%1 cannot run on %2. DepthScope switched the Device box to cpu and does it there.").arg(what, device),
             message,
             QString("Devices offered: %1%2")
                 .arg(labels.join(", "))
                 .arg(box->options().fake
                          ? QString("\nThe GPUs were listed from %1, a test hook; core checks the real device.")
                                .arg(kFakeGpusVariable)
                          : QString()),
             "device_error");
  box->select(ComputeDevice{}, false);
  apply_device();
}

void MainWindow::open_path(const QString& path) {
  parts_.opener->open(path, parts_.device_box->device(), parts_.device_box->device_text());
}

void MainWindow::on_load_failed(const QString& path, const QString& message, const ComputeDevice& device) {
  if (device.is_cuda() && !device_unavailable_reason(device).empty()) {
    // Core refused the device (not the file): say why, then open the file on the CPU.
    fall_back_to_cpu("Opening " + QFileInfo(path).fileName(), message);
    emit checkpoint_loaded(false, message);
    open_path(path);
    return;
  }
  parts_.log_panel->append_error(message);
  // Non-blocking, so the rest of the app stays usable (and tests can read it).
  const QFileInfo info(path);
  show_error(this, "Could not open checkpoint", QString("DepthScope could not open\n%1").arg(path), message,
             QString("Path: %1 (%2)\nDepthScope opens Hugging Face folders or .safetensors files (Llama, Mistral, "
                     "Qwen2/3, GPT-2), llama.cpp .gguf files (llama, qwen2) and llama2.c .bin files; docs/checkpoints.md "
                     "lists what it checks.")
                 .arg(info.absoluteFilePath(),
                      info.isDir() ? QString("folder") : info.exists() ? QString("%1 bytes").arg(info.size())
                                                                       : QString("does not exist")),
             "load_error");
  emit checkpoint_loaded(false, message);
}

void MainWindow::on_checkpoint_loaded(const QString& path) {
  const Parts& p = parts_;
  const ModelSummary& s = p.opener->session()->summary();
  if (!model_summary_) {
    model_summary_ = new ModelSummaryPanel;
    inspect_ = new InspectPanel(p.jobs);
    connect(inspect_, &InspectPanel::log, p.log_panel, &LogPanel::append);
    connect(inspect_, &InspectPanel::failed, this, [this](const QString& message) {
      show_error(this, "Inspect", "The analysis of the open checkpoint failed.", message,
                 "Checkpoint: " + parts_.opener->session_path(), "inspect_error");
    });
    add_tab(model_summary_, "Model", "tab_model");
    add_tab(inspect_, "Inspect", "tab_inspect");
  }
  model_summary_->set_summary(s);
  inspect_->set_session(p.opener->session(), QString::fromStdString(p.opener->session_device().name()));
  p.workspace->add_recent(path);  // only what opened: a failed open is not offered again
  p.workspace->add_checkpoint(QString("%1 · %2").arg(QFileInfo(path).fileName(), QString::fromStdString(s.scheme)), path);
  model_label_->setText(QString("model: %1 %2×%3, %4 params, %5")
                            .arg(QString::fromStdString(s.family)).arg(s.num_layers).arg(s.hidden_size)
                            .arg(human_count(double(s.parameters.total())), QString::fromStdString(s.scheme)));
  p.tabs->setCurrentWidget(inspect_);
  inspect_->analyse(/*reuse=*/true);  // a checkpoint opened before shows its kept analysis
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
  QWidget* page = parts_.tabs->currentWidget();
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
  if (!written.isEmpty()) parts_.log_panel->append("Exported " + written);
}

void MainWindow::add_tab(QWidget* w, const QString& title, const QString& object_name) {
  w->setObjectName(object_name);
  const int index = parts_.tabs->addTab(w, title);
  menus_->add_go_to(parts_.tabs, index, w, title);
}

bool MainWindow::select_tab(const QString& name) {
  for (int i = 0; i < parts_.tabs->count(); ++i) {
    const QString object = parts_.tabs->widget(i)->objectName();
    if (object == "tab_" + name || object == name) {
      parts_.tabs->setCurrentIndex(i);
      return true;
    }
  }
  return false;
}

QStringList MainWindow::tab_names() const {
  QStringList names;
  for (int i = 0; i < parts_.tabs->count(); ++i) {
    QString n = parts_.tabs->widget(i)->objectName();
    if (n.startsWith("tab_")) n = n.mid(4);
    names << n;
  }
  return names;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  parts_.run_database->remember_active();
  QMainWindow::closeEvent(event);
}

}  // namespace depthscope::ui
