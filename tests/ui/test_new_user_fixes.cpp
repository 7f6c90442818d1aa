// What a new user hit (issue 21, item 7), driven on the real main window offscreen: the Tour's
// keys right after Ctrl+4, focus kept at the last step, keys not taken behind an open menu;
// presenter mode fills the screen and restores the docks; Ctrl+E works while a spin box has
// the focus; the Log follows new lines and Compare's analyses log; Compare's run list follows
// the watcher without Refresh; the New experiment dialog has a threads field (cores / parallel
// by default, in the spec) and remembers the last launch; Help lists every shortcut.
// Set DEPTHSCOPE_FIXES_SHOTS=DIR to save screenshots of each check.
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QTreeWidget>
#include <QtTest>
#include <qcustomplot.h>

#include "core/runtime/threads.h"
#include "tests/ui/ui_test_support.h"
#include "core/store/run_db.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_controls.h"
#include "ui/compare/compare_panel.h"
#include "ui/shared/crosshair.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/comparison_exporter.h"
#include "ui/compare/run_comparison_view.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/shared/chart.h"
#include "ui/shared/wheel_policy.h"
#include "ui/shared/log_panel.h"
#include "ui/shared/workspace_browser.h"
#include "ui/shell/app.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_runs.h"
#include "ui/tour/tour_panel.h"
#include "ui/train/new_experiment_dialog.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

void shot(QWidget* w, const QString& name) {
  const QByteArray dir = qgetenv("DEPTHSCOPE_FIXES_SHOTS");
  if (dir.isEmpty()) return;
  QApplication::processEvents();
  QTest::qWait(120);
  w->window()->grab().save(QString::fromLocal8Bit(dir) + "/" + name + ".png");
}

// Keys as the user types them: to the widget with the focus, through the shortcut map.
void type(QWidget* window, Qt::Key key, Qt::KeyboardModifiers mods = Qt::NoModifier) {
  QWidget* target = QApplication::focusWidget() ? QApplication::focusWidget() : window;
  QTest::keyClick(target, key, mods);
}

}  // namespace

class TestNewUserFixes : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    QSettings().clear();
    set_threads(0);
    QVERIFY(dir_.isValid());
  }

  void tour_keys_belong_to_the_shown_tour() {
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("tour.sqlite"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    if (!QTest::qWaitForWindowActive(&window)) QSKIP("the window cannot be made active here: key routing untestable");
    TourPanel* tour = window.parts().tour;
    const int index = window.parts().tabs->indexOf(tour);
    type(&window, static_cast<Qt::Key>(Qt::Key_1 + index), Qt::ControlModifier);  // Ctrl+4
    QCOMPARE(window.parts().tabs->currentWidget(), static_cast<QWidget*>(tour));
    type(&window, Qt::Key_Right);  // at once, no click first
    QCOMPARE(tour->step(), 2);
    tour->go_to(6);
    type(&window, Qt::Key_Right);
    QCOMPARE(tour->step(), 7);
    // Next is disabled at the last step: the focus stays in the tour, so Left pages back and
    // does not collapse the Workspace tree.
    QVERIFY(tour->isAncestorOf(QApplication::focusWidget()) || QApplication::focusWidget() == tour);
    QTreeWidgetItem* checkpoints = window.parts().workspace->tree()->topLevelItem(0);
    const bool expanded = checkpoints->isExpanded();
    type(&window, Qt::Key_Left);
    QCOMPARE(tour->step(), 6);
    QCOMPARE(checkpoints->isExpanded(), expanded);
    shot(&window, "tour-keys-step6");
    // Another tab shown: the arrows are not the tour's.
    window.parts().tabs->setCurrentIndex(0);
    type(&window, Qt::Key_Right);
    QCOMPARE(tour->step(), 6);
  }

  void tour_keys_wait_behind_an_open_menu() {
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("menu.sqlite"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.parts().tabs->setCurrentWidget(window.parts().tour);
    QCOMPARE(window.parts().tour->step(), 1);
    QMenu* file = window.menuBar()->actions().front()->menu();
    file->popup(window.mapToGlobal(QPoint(10, 10)));
    QTRY_VERIFY(QApplication::activePopupWidget() != nullptr);
    shot(&window, "tour-menu-open");
    QTest::keyClick(QApplication::activePopupWidget(), Qt::Key_Right);
    QCOMPARE(window.parts().tour->step(), 1);
    file->close();
  }

  void presenter_mode_fills_the_screen_and_restores_the_layout() {
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("presenter.sqlite"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.parts().tabs->setCurrentWidget(window.parts().tour);
    auto* workspace = window.findChild<QDockWidget*>("workspace_dock");
    const int dock_width = workspace->width();
    const QSize before = window.size();
    window.parts().tour->set_presenter_mode(true);
    QApplication::processEvents();
    QVERIFY(window.parts().presenter->on());
    QVERIFY(window.isFullScreen());
    QVERIFY(!workspace->isVisible());
    QVERIFY(!window.findChild<QDockWidget*>("jobs_dock")->isVisible());
    QVERIFY(!window.menuBar()->isVisible());
    shot(&window, "presenter-on");
    window.parts().tour->set_presenter_mode(false);
    QApplication::processEvents();
    QTest::qWait(100);
    QVERIFY(!window.isFullScreen());
    QVERIFY(workspace->isVisible());
    QVERIFY(window.menuBar()->isVisible());
    QCOMPARE(window.size(), before);
    QVERIFY2(std::abs(workspace->width() - dock_width) <= 2,
             qPrintable(QString("dock %1 -> %2").arg(dock_width).arg(workspace->width())));
    shot(&window, "presenter-off");
  }

  void ctrl_e_works_while_a_spin_box_has_the_focus() {
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("export.sqlite"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    if (!QTest::qWaitForWindowActive(&window)) QSKIP("the window cannot be made active here: key routing untestable");
    window.parts().tabs->setCurrentIndex(0);
    QAbstractSpinBox* spin = window.parts().tabs->currentWidget()->findChild<QAbstractSpinBox*>();
    QVERIFY(spin);
    spin->setFocus();
    QTRY_VERIFY(spin->hasFocus() || spin->isAncestorOf(QApplication::focusWidget()));
    QAction* exp = nullptr;
    for (QAction* a : window.findChildren<QAction*>())
      if (a->shortcut() == QKeySequence("Ctrl+E")) exp = a;
    QVERIFY(exp);
    QSignalSpy triggered(exp, &QAction::triggered);
    // The export asks which chart (a dialog); close whatever opens.
    QTimer::singleShot(300, [] {
      if (QWidget* modal = QApplication::activeModalWidget()) modal->close();
    });
    type(&window, Qt::Key_E, Qt::ControlModifier);
    QCOMPARE(triggered.count(), 1);
    // Other Ctrl keys stay the spin box's own.
    const QString text = spin->text();
    type(&window, Qt::Key_A, Qt::ControlModifier);
    QCOMPARE(spin->text(), text);
  }

  void the_log_follows_and_compare_logs() {
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("log.sqlite"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* view = window.parts().log_panel->findChild<QPlainTextEdit*>();
    for (int i = 0; i < 200; ++i) window.parts().log_panel->append(QString("line %1").arg(i));
    QApplication::processEvents();
    QScrollBar* bar = view->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), bar->maximum());
    // Scrolled up to read: new lines do not pull the view down.
    bar->setValue(0);
    window.parts().log_panel->append("one more");
    QCOMPARE(bar->value(), 0);
    shot(&window, "log");
    emit window.parts().compare->log("Compare: analysing x");
    QVERIFY(window.parts().log_panel->text().contains("Compare: analysing x"));
  }

  void compare_lists_new_runs_without_refresh() {
    const QString db = dir_.filePath("compare.sqlite");
    {
      store::RunDb rdb(db.toStdString());
      store::NewRun r;
      r.name = "first";
      r.scheme = "pre";
      r.steps = 10;
      rdb.create_run(r);
    }
    MainWindow window(false);
    window.parts().run_database->set_database(db);
    window.show();
    window.parts().tabs->setCurrentWidget(window.parts().compare);
    QTRY_COMPARE(window.parts().compare->runs()->listed().size(), 1);
    {
      store::RunDb rdb(db.toStdString());
      store::NewRun r;
      r.name = "second";
      r.scheme = "lns";
      r.steps = 10;
      rdb.create_run(r);
    }
    // The watcher's next batch lists it; nobody presses Refresh.
    QTRY_COMPARE_WITH_TIMEOUT(window.parts().compare->runs()->listed().size(), 2, 10000);
    shot(&window, "compare-list");
  }

  void new_experiment_threads_and_last_values() {
    QSettings().remove("new_experiment");
    {
      NewExperimentDialog d;
      const int cores = QThread::idealThreadCount();
      QCOMPARE(d.threads(), std::max(1, cores));
      d.set_parallel(2);
      QCOMPARE(d.threads(), std::max(1, cores / 2));  // follows the parallel runs
      QCOMPARE(QJsonDocument::fromJson(d.spec_json().toUtf8()).object()["threads"].toInt(), d.threads());
      d.set_threads(1);
      d.set_parallel(1);
      QCOMPARE(d.threads(), 1);  // chosen: no longer follows
      d.set_name("remembered");
      d.set_training(77, 4, 32, 0.002, 9);
      d.remember();
    }
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("dialog.sqlite"));
    NewExperimentDialog* d = window.parts().run_database->new_experiment_dialog();
    QVERIFY(d);
    QCOMPARE(d->name(), QString("remembered"));
    QCOMPARE(d->threads(), 1);
    const QJsonObject spec = QJsonDocument::fromJson(d->spec_json().toUtf8()).object();
    QCOMPARE(spec["steps"].toInt(), 77);
    QCOMPARE(spec["seed"].toInt(), 9);
    QCOMPARE(spec["threads"].toInt(), 1);
    shot(d, "new-experiment");
    d->close();
  }

  void compare_wheel_scrolls_the_page_and_ctrl_wheel_zooms() {
    // Compare's charts leave the plain wheel to the page.
    ComparePanel panel;
    Chart* loss = panel.runs_view()->loss_chart();
    const QCPRange loss_before = loss->xAxis->range();
    QWheelEvent on_compare(QPointF(50, 50), QPointF(50, 50), QPoint(), QPoint(0, -240), Qt::NoButton, Qt::NoModifier,
                           Qt::NoScrollPhase, false);
    QApplication::sendEvent(loss, &on_compare);
    QVERIFY(!on_compare.isAccepted());
    QCOMPARE(loss->xAxis->range(), loss_before);
    // A chart with the policy on a scrolling page: the wheel is the page's, Ctrl+wheel zooms within the data.
    QScrollArea page;
    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    auto* c = new Chart("wheel");
    c->setMinimumHeight(400);
    layout->addWidget(c);
    layout->addSpacing(1200);
    page.setWidget(content);
    page.setWidgetResizable(true);
    page.resize(800, 500);
    WheelPolicy::install(c);
    c->add_line_series("s", Qt::red)->setData({1, 2, 3, 4}, {1, 2, 4, 8});
    c->fit_to_data();
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    c->replot(QCustomPlot::rpImmediateRefresh);
    const QCPRange before = c->xAxis->range();
    const QPointF centre = c->axisRect()->rect().center();
    QWheelEvent plain(centre, c->mapToGlobal(centre), QPoint(), QPoint(0, -240), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(c, &plain);
    QCOMPARE(c->xAxis->range(), before);
    // Left unaccepted: Qt hands a real (spontaneous) wheel event on to the scroll area.
    QVERIFY(!plain.isAccepted());
    for (int i = 0; i < 30; ++i) {  // zoom out as far as the wheel goes
      QWheelEvent zoom(centre, c->mapToGlobal(centre), QPoint(), QPoint(0, -240), Qt::NoButton, Qt::ControlModifier,
                       Qt::NoScrollPhase, false);
      QApplication::sendEvent(c, &zoom);
      QApplication::processEvents();
    }
    QVERIFY2(c->xAxis->range().size() > before.size(), "Ctrl+wheel did not zoom");
    QVERIFY2(c->xAxis->range().lower >= -0.5 - 1e-9 && c->xAxis->range().upper <= 5.5 + 1e-9,
             qPrintable(QString("x %1..%2").arg(c->xAxis->range().lower).arg(c->xAxis->range().upper)));
    shot(&page, "compare-wheel");
  }

  void help_lists_every_shortcut() {
    MainWindow window(false);
    window.parts().run_database->set_database(dir_.filePath("help.sqlite"));
    window.show();
    QAction* keys = window.findChild<QAction*>("action_shortcuts");
    QVERIFY(keys && window.findChild<QAction*>("action_documentation"));
    keys->trigger();
    auto* table = window.findChild<QTableWidget*>("shortcuts_table");
    QVERIFY(table);
    QStringList listed;
    for (int r = 0; r < table->rowCount(); ++r) listed << table->item(r, 0)->text();
    for (const char* k : {"Ctrl+E", "Ctrl+N", "Ctrl+O", "F5", "Ctrl+/"})
      QVERIFY2(listed.contains(QKeySequence(k).toString(QKeySequence::NativeText)) || listed.contains(k), k);
    shot(table, "shortcuts");
  }
};

QTEST_MAIN(TestNewUserFixes)
#include "test_new_user_fixes.moc"
