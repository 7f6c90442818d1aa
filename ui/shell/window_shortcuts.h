#pragma once
// WindowShortcutFilter: lets the window's Ctrl+<letter> shortcuts through a spin box. A spin
// box's line edit claims Ctrl+E (and Ctrl+A …) for itself as an editing key, so Ctrl+E
// (Export chart) did nothing while a spin box had the focus -- the default right after launch.
// Installed on the application; only shortcuts that some action of the window owns are let
// through, so the spin box keeps every other key.
#include <QObject>

class QMainWindow;

namespace depthscope::ui {

class WindowShortcutFilter : public QObject {
  Q_OBJECT
 public:
  explicit WindowShortcutFilter(QMainWindow* window);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QMainWindow* window_;
};

}  // namespace depthscope::ui
