#include "ui/shell/presenter_mode.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>

namespace depthscope::ui {

PresenterMode::PresenterMode(QMainWindow* window, QTabWidget* tabs, QList<QDockWidget*> docks)
    : QObject(window), window_(window), tabs_(tabs), docks_(std::move(docks)) {}

void PresenterMode::set(bool on) {
  if (on == on_) return;
  on_ = on;
  if (on) {
    // The tour alone on the whole screen; the layout as it was comes back after.
    saved_geometry_ = window_->saveGeometry();
    saved_state_ = window_->saveState();
    for (QDockWidget* d : docks_) d->hide();
    window_->menuBar()->hide();
    window_->statusBar()->hide();
    tabs_->tabBar()->hide();
    window_->showFullScreen();
  } else {
    window_->menuBar()->show();
    window_->statusBar()->show();
    tabs_->tabBar()->show();
    window_->showNormal();
    window_->restoreGeometry(saved_geometry_);
    window_->restoreState(saved_state_);
    // Once the window has its old size again the docks get their old widths (restored at the
    // full-screen size, the central widget's minimum squeezed the workspace dock).
    QTimer::singleShot(0, window_, [w = window_, state = saved_state_] { w->restoreState(state); });
  }
}

}  // namespace depthscope::ui
