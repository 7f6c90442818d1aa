#pragma once
// WindowMenus: the main window's menu bar and its action registry. Every command a menu
// offers is an action with its shortcut, here in one place (File, View, Run, Help), and the
// View ▸ Go to tab actions (Ctrl+1 …) of the tabs registered; what a command does is the main
// window's business: it connects to the signals.
#include <QList>
#include <QObject>
#include <QString>

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;
class QTabWidget;
class QWidget;

namespace depthscope::ui {

class WindowMenus : public QObject {
  Q_OBJECT
 public:
  explicit WindowMenus(QMainWindow* window);

  // Fills the window's menu bar; `docks` get View toggles (Ctrl+Shift+W, J, L in this order).
  void build(const QList<QDockWidget*>& docks);
  // A View ▸ Go to action for a tab just added at `index` of `tabs` (Ctrl+1 … Ctrl+9; the
  // action lives on the window, so the shortcut works wherever the focus is).
  void add_go_to(QTabWidget* tabs, int index, QWidget* tab, const QString& title);

 signals:
  void open_checkpoint();
  void open_path(const QString& path);  // File ▸ Open example
  void export_chart();
  void open_run_database();
  void new_experiment();
  void stop_runs();
  void resume_runs();
  void start_queue();
  void show_train();
  void about();
  void shortcuts();
  void documentation();

 private:
  QMainWindow* window_;
  QList<QAction*> go_to_;
  QMenu* go_to_menu_ = nullptr;
};

}  // namespace depthscope::ui
