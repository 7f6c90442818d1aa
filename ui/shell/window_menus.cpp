#include "ui/shell/window_menus.h"

#include <tuple>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QTabWidget>

#include "ui/shell/theme.h"
#include "ui/tour/examples.h"

namespace depthscope::ui {

WindowMenus::WindowMenus(QMainWindow* window) : QObject(window), window_(window) {}

void WindowMenus::add_go_to(QTabWidget* tabs, int index, QWidget* tab, const QString& title) {
  auto* go = new QAction(title, window_);
  go->setObjectName("action_go_" + tab->objectName());
  if (index < 9) {
    go->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
    tabs->setTabToolTip(index, QString("%1 (%2)").arg(title, go->shortcut().toString(QKeySequence::NativeText)));
  }
  connect(go, &QAction::triggered, tabs, [tabs, tab] { tabs->setCurrentWidget(tab); });
  window_->addAction(go);
  go_to_ << go;
  if (go_to_menu_) go_to_menu_->addAction(go);
}

void WindowMenus::build(const QList<QDockWidget*>& docks) {
  QMenuBar* bar = window_->menuBar();
  QMenu* file = bar->addMenu("&File");
  QAction* open = file->addAction("&Open checkpoint…", this, &WindowMenus::open_checkpoint);
  open->setShortcut(QKeySequence::Open);
  // File > Open example: the Pre-LN and LNS models DepthScope trained (resources/examples).
  QMenu* examples = file->addMenu("Open &example");
  examples->setToolTipsVisible(true);
  for (const QString& scheme : example_schemes()) {
    const QString path = example_path(scheme);
    QAction* a = examples->addAction(scheme == "pre" ? "Pre-LN example (24 × 96)" : "LNS example (24 × 96)", this,
                                     [this, path] { emit open_path(path); });
    a->setShortcut(QKeySequence(scheme == "pre" ? "Ctrl+Alt+1" : "Ctrl+Alt+2"));
    a->setEnabled(!path.isEmpty());
    a->setToolTip(path.isEmpty() ? "The example models were not found (resources/examples)" : path);
  }
  QAction* exp = file->addAction("&Export chart…", this, &WindowMenus::export_chart);
  exp->setShortcut(QKeySequence("Ctrl+E"));
  QAction* open_db = file->addAction("Open &run database…", this, &WindowMenus::open_run_database);
  open_db->setShortcut(QKeySequence("Ctrl+Shift+O"));
  open_db->setToolTip("Choose (or create) the SQLite run database this workspace trains into");
  file->addSeparator();
  QAction* quit = file->addAction("&Quit", qApp, &QApplication::quit);
  quit->setShortcut(QKeySequence("Ctrl+Q"));

  QMenu* view = bar->addMenu("&View");
  go_to_menu_ = view->addMenu("&Go to tab");
  go_to_menu_->addActions(go_to_);
  view->addSeparator();
  const char* dock_keys[] = {"Ctrl+Shift+W", "Ctrl+Shift+J", "Ctrl+Shift+L"};
  for (int i = 0; i < docks.size() && i < 3; ++i) {
    QAction* toggle = docks[i]->toggleViewAction();
    toggle->setShortcut(QKeySequence(dock_keys[i]));
    toggle->setToolTip(QString("Show or hide the %1 dock").arg(docks[i]->windowTitle()));
    view->addAction(toggle);
  }
  // View > Theme: follow the system, or force light or dark (remembered; ui/shell/theme.h).
  QMenu* theme = view->addMenu("&Theme");
  auto* themes = new QActionGroup(theme);
  const std::tuple<Theme, const char*, const char*> choices[] = {
      {Theme::system, "Follow the &system", "Ctrl+Alt+S"}, {Theme::light, "&Light", "Ctrl+Alt+L"},
      {Theme::dark, "&Dark", "Ctrl+Alt+D"}};
  for (const auto& [t, label, keys] : choices) {
    QAction* a = theme->addAction(label, this, [t = t] {
      apply_theme(t);
      QSettings().setValue("appearance/theme", to_string(t));
    });
    a->setObjectName("action_theme_" + to_string(t));
    a->setShortcut(QKeySequence(keys));
    a->setCheckable(true);
    a->setChecked(t == current_theme());
    themes->addAction(a);
  }

  QMenu* run = bar->addMenu("&Run");
  QAction* new_exp = run->addAction("&New experiment…", this, &WindowMenus::new_experiment);
  new_exp->setShortcut(QKeySequence::New);
  new_exp->setObjectName("action_new_experiment");
  QAction* stop = run->addAction("&Stop", this, &WindowMenus::stop_runs);
  stop->setShortcut(QKeySequence("Ctrl+Shift+S"));
  stop->setObjectName("action_stop");
  stop->setToolTip("Stop the run selected in the Jobs dock, or else the shown experiment's runs");
  QAction* resume = run->addAction("&Resume", this, &WindowMenus::resume_runs);
  resume->setShortcut(QKeySequence("Ctrl+Shift+R"));
  resume->setObjectName("action_resume");
  run->addSeparator();
  QAction* queue = run->addAction("Start &queue", this, &WindowMenus::start_queue);
  queue->setShortcut(QKeySequence("Ctrl+Shift+Q"));
  queue->setToolTip("Start a job worker for the runs queued in this database");
  QAction* show_train_action = run->addAction("Show &Train tab", this, &WindowMenus::show_train);
  show_train_action->setShortcut(QKeySequence("Ctrl+T"));

  QMenu* help = bar->addMenu("&Help");
  QAction* docs = help->addAction("&Documentation", this, &WindowMenus::documentation);
  docs->setShortcut(QKeySequence("Shift+F1"));
  docs->setObjectName("action_documentation");
  QAction* keys = help->addAction("&Keyboard shortcuts", this, &WindowMenus::shortcuts);
  keys->setShortcut(QKeySequence("Ctrl+/"));
  keys->setObjectName("action_shortcuts");
  QAction* about_action = help->addAction("&About DepthScope", this, &WindowMenus::about);
  about_action->setShortcut(QKeySequence::HelpContents);
}

}  // namespace depthscope::ui
