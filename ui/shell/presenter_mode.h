#pragma once
// The Tour's presenter mode for the main window: full screen with the docks, the menu bar,
// the status bar and the tab bar hidden; leaving it brings back the window's geometry and
// dock layout as they were before.
#include <QByteArray>
#include <QList>
#include <QObject>

class QDockWidget;
class QMainWindow;
class QTabWidget;

namespace depthscope::ui {

class PresenterMode : public QObject {
  Q_OBJECT
 public:
  PresenterMode(QMainWindow* window, QTabWidget* tabs, QList<QDockWidget*> docks);

  void set(bool on);
  bool on() const { return on_; }

 private:
  QMainWindow* window_;
  QTabWidget* tabs_;
  QList<QDockWidget*> docks_;
  bool on_ = false;
  QByteArray saved_geometry_, saved_state_;  // the layout before presenter mode
};

}  // namespace depthscope::ui
