#include "ui/shell/main_window.h"

#include <QAction>
#include <QIcon>
#include <QPainter>
#include <QSvgRenderer>
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
#include <QTabWidget>
#include <QTimer>

#include "core/runtime/device.h"
#include "core/runtime/threads.h"
#include "core/version.h"
#include "ui/shell/about_dialog.h"
#include "ui/shared/background_task.h"
#include "ui/inspect/inspect_panel.h"
#include "core/session/model_session.h"
#include "ui/inspect/model_summary_panel.h"
#include "ui/shared/text_format.h"
#include "ui/shared/chart.h"
#include "ui/shared/chart_export.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/shared/job_list.h"
#include "ui/shared/jobs_panel.h"
#include "ui/shared/log_panel.h"
#include "ui/shared/workspace_browser.h"

// Qt resources compiled into a static library must be registered explicitly.
static void register_ui_resources() { Q_INIT_RESOURCE(depthscope); }

namespace depthscope::ui {
namespace {

// The DepthScope icon, rendered from its SVG at the usual sizes (no SVG icon plugin needed).
QIcon application_icon() {
  register_ui_resources();
  QSvgRenderer svg(QString(":/depthscope.svg"));
  QIcon icon;
  if (!svg.isValid()) return icon;
  for (int size : {16, 24, 32, 48, 64, 128, 256}) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    svg.render(&painter);
    icon.addPixmap(pixmap);
  }
  return icon;
}

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
  setAcceptDrops(true);

  // Centre: one tab per real panel.
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  depth_glance_ = new DepthGlancePanel(jobs_);
  tabs_->addTab(depth_glance_, "Depth at a glance");
  setCentralWidget(tabs_);

  // Left: workspace browser. Bottom: Jobs and Log side by side.
  workspace_ = new WorkspaceBrowser;
  workspace_->setMinimumWidth(190);
  workspace_dock_ = make_dock("Workspace", "workspace_dock", workspace_, this);
  addDockWidget(Qt::LeftDockWidgetArea, workspace_dock_);
  jobs_panel_ = new JobsPanel(jobs_);
  jobs_dock_ = make_dock("Jobs", "jobs_dock", jobs_panel_, this);
  log_ = new LogPanel;
  log_dock_ = make_dock("Log", "log_dock", log_, this);
  addDockWidget(Qt::BottomDockWidgetArea, jobs_dock_);
  splitDockWidget(jobs_dock_, log_dock_, Qt::Horizontal);
  resizeDocks({workspace_dock_}, {250}, Qt::Horizontal);
  resizeDocks({jobs_dock_, log_dock_}, {700, 500}, Qt::Horizontal);
  resizeDocks({jobs_dock_}, {170}, Qt::Vertical);

  build_menus();
  build_status_bar();

  connect(depth_glance_, &DepthGlancePanel::log, log_, &LogPanel::append);
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
    log_->append_error(message);
    // Non-blocking, so the rest of the app stays usable (and tests can read it).
    auto* box = new QMessageBox(QMessageBox::Warning, "Could not open checkpoint",
                                QString("DepthScope could not open\n%1\n\n%2").arg(loading_path_, message),
                                QMessageBox::Ok, this);
    box->setObjectName("load_error");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    emit checkpoint_loaded(false, message);
  });

  log_->append(QString("DepthScope %1 · %2 threads · %3 · %4")
                   .arg(DEPTHSCOPE_VERSION).arg(threads())
                   .arg(QString::fromStdString(blas_name()), cuda_status()));
  resize(1400, 900);
  if (start_default_work) QTimer::singleShot(0, depth_glance_, &DepthGlancePanel::recompute);
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu("&File");
  QAction* open = file->addAction("&Open checkpoint…", this, &MainWindow::open_checkpoint_dialog);
  open->setShortcut(QKeySequence::Open);
  QAction* exp = file->addAction("&Export chart…", this, &MainWindow::export_current_chart);
  exp->setShortcut(QKeySequence("Ctrl+E"));
  file->addSeparator();
  QAction* quit = file->addAction("&Quit", qApp, &QApplication::quit);
  quit->setShortcut(QKeySequence("Ctrl+Q"));

  QMenu* view = menuBar()->addMenu("&View");
  view->addAction(workspace_dock_->toggleViewAction());
  view->addAction(jobs_dock_->toggleViewAction());
  view->addAction(log_dock_->toggleViewAction());

  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("&About DepthScope", this, &MainWindow::show_about);
}

void MainWindow::build_status_bar() {
  device_label_ = new QLabel(QString("CPU · %1 threads · %2 · %3")
                                 .arg(threads())
                                 .arg(QString::fromStdString(blas_name()), cuda_status()));
  device_label_->setToolTip(QString("LibTorch %1; threads set with --threads N or DEPTHSCOPE_THREADS")
                                .arg(QString::fromStdString(torch_version())));
  model_label_ = new QLabel("model: none loaded");
  statusBar()->addWidget(device_label_, 1);
  statusBar()->addPermanentWidget(model_label_);
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
  workspace_->add_recent(path);
  loading_path_ = path;
  pending_ = std::make_shared<std::shared_ptr<const ModelSession>>();
  auto result = pending_;
  const std::string file = path.toStdString();
  if (load_job_ && loader_->running()) jobs_->end(load_job_, "cancelled");  // start() abandons it
  const int task = loader_->start([result, file](const TaskContext& ctx) {
    *result = ModelSession::open(file, ctx.phase(0.0, 1.0, "loading"));
  });
  TaskRunner* loader = loader_;
  load_job_ = jobs_->start("Open " + QFileInfo(path).fileName(), [loader, task] { loader->cancel(task); });
  log_->append("Opening " + path);
}

bool MainWindow::loading() const { return loader_->running(); }

void MainWindow::on_checkpoint_loaded(const QString& path, std::shared_ptr<const ModelSession> session) {
  session_ = std::move(session);
  const ModelSummary& s = session_->summary();
  if (!model_summary_) {
    model_summary_ = new ModelSummaryPanel;
    inspect_ = new InspectPanel(jobs_);
    connect(inspect_, &InspectPanel::log, log_, &LogPanel::append);
    tabs_->addTab(model_summary_, "Model");
    tabs_->addTab(inspect_, "Inspect");
  }
  model_summary_->set_summary(s);
  inspect_->set_session(session_);
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

bool MainWindow::write_screenshot(const QString& path, QString* error) {
  const QPixmap shot = grab();
  if (shot.isNull() || !shot.save(path, "PNG")) {
    if (error) *error = QString("Cannot write the screenshot to %1: check that the folder exists and is writable.").arg(path);
    return false;
  }
  return true;
}

void MainWindow::screenshot_when_ready(const QString& path) {
  // Waits for everything started so far: the default panel, a checkpoint given on the command
  // line, and the Inspect analysis that follows it. Polled, so no completion can be missed.
  auto* poll = new QTimer(this);
  poll->setInterval(100);
  connect(poll, &QTimer::timeout, this, [this, poll, path] {
    const bool glance_busy = depth_glance_->running() ||
        (depth_glance_->graph(depth_glance_->schemes().front())->data()->isEmpty() &&
         depth_glance_->chart()->message().isEmpty());
    const bool busy = glance_busy || loader_->running() || (inspect_ && inspect_->running());
    if (busy) return;
    poll->stop();
    poll->deleteLater();
    // One more event-loop turn so the last replot and the status texts are painted.
    QTimer::singleShot(150, this, [this, path] {
      QString error;
      const bool ok = write_screenshot(path, &error);
      emit screenshot_written(ok, ok ? path : error);
    });
  });
  poll->start();
}

}  // namespace depthscope::ui
