#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
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
#include "ui/about_dialog.h"
#include "ui/chart.h"
#include "ui/chart_export.h"
#include "ui/depth_glance_panel.h"
#include "ui/job_list.h"
#include "ui/jobs_panel.h"
#include "ui/log_panel.h"
#include "ui/workspace_browser.h"

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
  jobs_ = new JobList(this);

  // Centre: one tab per real panel.
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  depth_glance_ = new DepthGlancePanel(jobs_);
  tabs_->addTab(depth_glance_, "Depth at a glance");
  setCentralWidget(tabs_);

  // Left: workspace browser. Bottom: Jobs and Log side by side.
  workspace_ = new WorkspaceBrowser;
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
  log_->append(QString("Opened %1 — checkpoint loading arrives with the checkpoint panel").arg(path));
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
  const auto shoot = [this, path] {
    // One more event-loop turn so the last replot and the status texts are painted.
    QTimer::singleShot(150, this, [this, path] {
      QString error;
      const bool ok = write_screenshot(path, &error);
      emit screenshot_written(ok, ok ? path : error);
    });
  };
  if (depth_glance_->running() || depth_glance_->graph(depth_glance_->schemes().front())->data()->isEmpty()) {
    connect(depth_glance_, &DepthGlancePanel::finished, this, shoot, Qt::SingleShotConnection);
    connect(depth_glance_, &DepthGlancePanel::failed, this, shoot, Qt::SingleShotConnection);
  } else {
    shoot();
  }
}

}  // namespace depthscope::ui
