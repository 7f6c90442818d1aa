// Main window: layout, screenshot path, About text, Recent list, thread option parsing.
#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QMap>
#include <QMenu>
#include <QMenuBar>
#include <QScrollBar>
#include <QTabBar>
#include <functional>
#include <QImage>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <qcustomplot.h>

#include "core/runtime/cpu_isa.h"
#include "core/runtime/malloc_policy.h"
#include "core/runtime/threads.h"
#include "tests/ui/ui_test_support.h"
#include "ui/shell/about_dialog.h"
#include "ui/inspect/inspect_charts.h"
#include "ui/inspect/inspect_panel.h"
#include "ui/shared/removal_bars.h"
#include "ui/inspect/model_summary_panel.h"
#include "ui/shell/app.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/shared/job_list.h"
#include "ui/shared/log_panel.h"
#include "ui/compare/compare_panel.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_runs.h"
#include "ui/train/train_charts.h"
#include "ui/shared/workspace_browser.h"
#include "ui/shared/chart.h"
#include "ui/train/new_experiment_dialog.h"
#include "ui/train/train_panel.h"

using namespace depthscope;
using namespace depthscope::ui;

class TestMainWindow : public QObject {
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

  void screenshot_writes_png_after_default_work() {
    MainWindow window;
    window.show();
    QSignalSpy written(&window, &MainWindow::screenshot_written);
    const QString path = dir_.filePath("shot.png");
    window.screenshot_when_ready(path);
    QVERIFY(written.wait(240000));
    QCOMPARE(written.first().at(0).toBool(), true);
    QCOMPARE(written.first().at(1).toString(), path);
    // The default work finished before the shot was taken.
    QCOMPARE(window.parts().depth_glance->graph(NormScheme::lns)->dataCount(), 48);
    const QImage img(path);
    QVERIFY(!img.isNull());
    QCOMPARE(img.size(), window.size());
    QVERIFY(img.width() >= 1200 && img.height() >= 800);
    // Only real panels: "Depth at a glance" first, then Train.
    QCOMPARE(window.parts().tabs->tabText(0), QString("Depth at a glance"));
    QCOMPARE(window.parts().tabs->widget(1)->objectName(), QString("tab_train"));
    QVERIFY(window.findChild<QDockWidget*>("jobs_dock")->isVisible());
    QVERIFY(window.findChild<QDockWidget*>("log_dock")->isVisible());
    QVERIFY(window.parts().log_panel->text().contains("Depth at a glance: done"));
  }

  void screenshot_to_missing_folder_fails_with_message() {
    MainWindow window(false);
    QString error;
    const QString path = dir_.filePath("no/such/folder/shot.png");
    QVERIFY(!window.write_screenshot(path, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
  }

  void window_has_the_depthscope_icon() {
    MainWindow window(false);
    const QImage icon = window.windowIcon().pixmap(64, 64).toImage();
    QVERIFY(!icon.isNull());
    // The icon's two curves: the Pre-LN orange (#d55e00) and the LNS blue (#0072b2).
    int orange = 0, blue = 0;
    for (int y = 0; y < icon.height(); ++y)
      for (int x = 0; x < icon.width(); ++x) {
        const QColor c = icon.pixelColor(x, y);
        orange += c.red() > 190 && c.green() > 70 && c.green() < 120 && c.blue() < 40;
        blue += c.red() < 30 && c.green() > 90 && c.green() < 140 && c.blue() > 150;
      }
    QVERIFY2(orange > 20 && blue > 20, qPrintable(QString("orange %1 blue %2").arg(orange).arg(blue)));
  }

  void about_names_versions() {
    const QString text = about_text();
    QVERIFY(text.contains(QString::fromLatin1(qVersion())));
    QVERIFY(text.contains("QCustomPlot"));
    QVERIFY(text.contains("SQLite"));
    QVERIFY(text.contains("LibTorch"));
    // The kernels' instruction sets and the malloc policy (issue 25).
    QVERIFY2(text.contains(QString("DepthScope %1 · ATen").arg(QString::fromStdString(row_kernel_isa()))), qPrintable(text));
    QVERIFY2(text.contains(QString::fromStdString(malloc_policy_name())), qPrintable(text));
    AboutDialog dialog;
    auto* label = dialog.findChild<QLabel*>("about_text");
    QVERIFY(label);
    QVERIFY(label->text().contains(QString::fromLatin1(qVersion())));
  }

  void opened_paths_go_to_recent() {
    QSettings().remove("recent/paths");
    MainWindow window(false);
    const QString a = dir_.filePath("a.safetensors"), b = dir_.filePath("b.safetensors");
    // Paths that fail to open are not offered again (issue 21): only what loaded goes to Recent.
    QSignalSpy loaded(&window, &MainWindow::checkpoint_loaded);
    window.open_path(a);
    QVERIFY(loaded.wait(60000));
    QCOMPARE(loaded.at(0).at(0).toBool(), false);
    QVERIFY(recent_paths().isEmpty());
    for (const QString& p : {a, b, a}) remember_recent_path(p);
    QCOMPARE(recent_paths(), (QStringList{a, b}));  // newest first, no duplicates
    for (int i = 0; i < kMaxRecent + 5; ++i) remember_recent_path(dir_.filePath(QString("m%1").arg(i)));
    QCOMPARE(recent_paths().size(), kMaxRecent);
    QVERIFY(window.parts().log_panel->text().contains(a));
  }

  void open_checkpoint_shows_model_and_inspect_tabs() {
    const QString path = QString(DEPTHSCOPE_SHARED_DATA) + "/llama2c/stories260K.bin";
    if (!QFileInfo::exists(path)) QSKIP(qPrintable("reference data missing: " + path));
    MainWindow window(false);
    QCOMPARE(window.parts().tabs->count(), 4);  // Depth at a glance, Train, Compare, Tour
    QSignalSpy loaded(&window, &MainWindow::checkpoint_loaded);
    window.open_path(path);
    QVERIFY(loaded.wait(120000));
    QCOMPARE(loaded.first().at(0).toBool(), true);
    QCOMPARE(window.parts().tabs->count(), 6);
    QVERIFY(window.select_tab("inspect"));
    QVERIFY(window.model_summary());
    QVERIFY(window.model_summary()->table_text().contains("Layers L: 5"));
    QVERIFY(window.inspect()->running());  // analysis starts right away
    QSignalSpy analysed(window.inspect(), &InspectPanel::finished);
    QVERIFY(analysed.wait(240000));
    QCOMPARE(window.inspect()->charts().removal->bars()->dataCount(), 5);
  }

  void failed_load_names_file_and_app_stays_usable() {
    const QString bogus = dir_.filePath("broken.safetensors");
    {
      QFile f(bogus);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("this is not a checkpoint");
    }
    MainWindow window(false);
    window.show();
    QSignalSpy loaded(&window, &MainWindow::checkpoint_loaded);
    window.open_path(bogus);
    QVERIFY(loaded.wait(60000));
    QCOMPARE(loaded.first().at(0).toBool(), false);
    auto* box = window.findChild<QMessageBox*>("load_error");
    QVERIFY(box);
    QVERIFY2(box->text().contains(bogus), qPrintable(box->text()));
    // The message names the problem; the details add the file's size and the versions.
    QVERIFY(!box->informativeText().isEmpty());
    QVERIFY2(box->detailedText().contains("24 bytes") && box->detailedText().contains("LibTorch"),
             qPrintable(box->detailedText()));
    QVERIFY(window.parts().log_panel->text().contains("error:"));
    // Wide enough for its whole title (a window manager elides a wider one).
    QTRY_VERIFY(box->isVisible());
    QVERIFY2(box->width() >= box->fontMetrics().horizontalAdvance(box->windowTitle()) + 150,
             qPrintable(QString("%1 px for \"%2\"").arg(box->width()).arg(box->windowTitle())));
    box->close();
    // Still usable: the default panel computes.
    QSignalSpy done(window.parts().depth_glance, &DepthGlancePanel::finished);
    window.parts().depth_glance->set_model_size(4, 64);
    window.parts().depth_glance->recompute();
    QVERIFY(done.wait(60000));
    QCOMPARE(window.parts().depth_glance->graph(NormScheme::pre)->dataCount(), 4);
  }

  void tabs_register_by_object_name() {
    MainWindow window(false);
    const QStringList built = window.tab_names();
    QVERIFY2(built.mid(0, 4) == (QStringList{"glance", "train", "compare", "tour"}), qPrintable(built.join(", ")));
    QVERIFY(window.select_tab("compare"));
    QCOMPARE(window.parts().tabs->currentWidget(), static_cast<QWidget*>(window.parts().compare));
    QVERIFY(!window.select_tab("extra"));
    auto* extra = new QLabel("extra");
    window.add_tab(extra, "Extra", "tab_extra");
    QVERIFY(window.select_tab("extra"));
    QCOMPARE(window.parts().tabs->currentWidget(), static_cast<QWidget*>(extra));
    QVERIFY(window.select_tab("tab_train"));
    QCOMPARE(window.parts().tabs->currentWidget(), static_cast<QWidget*>(window.parts().train));
    // A screenshot of a tab that does not exist fails with the known names.
    QSignalSpy written(&window, &MainWindow::screenshot_written);
    window.screenshot_when_ready(dir_.filePath("x.png"), "nosuchtab");
    QVERIFY(written.wait(5000));
    QCOMPARE(written.first().at(0).toBool(), false);
    QVERIFY2(written.first().at(1).toString().contains("glance, train, compare"), qPrintable(written.first().at(1).toString()));
  }

  // Every menu action has a shortcut and no two share one; Ctrl+1 … select the tabs in order;
  // every control of every tab and of the New experiment dialog explains itself in a tooltip.
  void shortcuts_and_tooltips_everywhere() {
    MainWindow window(false);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QMap<QString, QString> owner;  // shortcut -> action text
    std::function<void(QMenu*)> walk = [&](QMenu* menu) {
      for (QAction* a : menu->actions()) {
        if (a->isSeparator()) continue;
        if (a->menu()) {
          walk(a->menu());
          continue;
        }
        const QString keys = a->shortcut().toString();
        QVERIFY2(!keys.isEmpty(), qPrintable("no shortcut for the menu action '" + a->text() + "'"));
        QVERIFY2(!owner.contains(keys), qPrintable(QString("%1 is the shortcut of both '%2' and '%3'").arg(keys, owner[keys], a->text())));
        owner[keys] = a->text();
      }
    };
    for (QAction* top : window.menuBar()->actions()) walk(top->menu());
    QVERIFY(owner.size() >= 15);
    for (int i = 0; i < window.parts().tabs->count(); ++i) {
      QTest::keyClick(&window, static_cast<Qt::Key>(Qt::Key_1 + i), Qt::ControlModifier);
      QCOMPARE(window.parts().tabs->currentIndex(), i);
      QVERIFY(window.parts().tabs->tabToolTip(i).contains(QString("Ctrl+%1").arg(i + 1)));
    }
    QStringList missing;
    const auto check_tooltips = [&missing](QWidget* root) {
      for (QWidget* w : root->findChildren<QWidget*>()) {
        if (!(qobject_cast<QAbstractButton*>(w) || qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractSpinBox*>(w) ||
              qobject_cast<QAbstractSlider*>(w) || qobject_cast<QLineEdit*>(w)))
          continue;
        if (qobject_cast<QScrollBar*>(w)) continue;
        bool internal = false;  // parts of composite widgets: a table's corner button, a spin box's editor, tab scrollers
        for (QWidget* p = w->parentWidget(); p && p != root; p = p->parentWidget())
          if (qobject_cast<QAbstractItemView*>(p) || qobject_cast<QAbstractSpinBox*>(p) || qobject_cast<QTabBar*>(p) ||
              qobject_cast<QComboBox*>(p) || qobject_cast<QMenuBar*>(p) || (qobject_cast<QDockWidget*>(p) && w->parentWidget() == p))
            internal = true;
        if (internal || qobject_cast<QTabBar*>(w->parentWidget())) continue;
        if (w->toolTip().isEmpty())
          missing << QString("%1 '%2' (%3) in %4").arg(w->metaObject()->className(), w->objectName(),
                                                       qobject_cast<QAbstractButton*>(w) ? qobject_cast<QAbstractButton*>(w)->text() : QString(),
                                                       w->parentWidget()->metaObject()->className());
      }
    };
    check_tooltips(&window);
    QWidget* dialog = window.parts().run_database->new_experiment_dialog();
    QVERIFY(dialog);
    check_tooltips(dialog);
    dialog->close();
    JobList jobs;
    InspectPanel inspect(&jobs);  // the Inspect tab appears once a checkpoint is open
    check_tooltips(&inspect);
    QVERIFY2(missing.isEmpty(), qPrintable("controls without a tooltip:\n  " + missing.join("\n  ")));
  }

  void workspace_survives_a_restart() {
    const QString db = dir_.filePath("ws/runs.sqlite");
    {
      MainWindow window(false);
      window.parts().run_database->set_database(db, true);
      window.show();
      window.resize(1234, 876);
      QTest::qWait(50);
      window.close();
    }
    MainWindow window(false);
    QTRY_COMPARE_WITH_TIMEOUT(window.parts().run_database->database(), db, 5000);
    // Restored, not the default 1400 x 900 (the offscreen platform may round a few pixels).
    QVERIFY2(std::abs(window.width() - 1234) < 20 && std::abs(window.height() - 876) < 20,
             qPrintable(QString("%1 x %2").arg(window.width()).arg(window.height())));
    // The database was created and read: an empty listing, and the Train tab says what to do.
    QTRY_VERIFY_WITH_TIMEOUT(window.parts().train->has_data(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(window.parts().train->charts().loss->message().contains("New experiment"), 5000);
    // --db for one session does not change the remembered database.
    MainWindow other(false);
    other.parts().run_database->set_database(dir_.filePath("other.sqlite"), false);
    QTest::qWait(50);
    QCOMPARE(QSettings().value("workspace/run_db").toString(), db);
    QCOMPARE(WindowRuns::default_database().endsWith("/runs.sqlite"), true);
  }

  void thread_option_precedence() {
    QString error;
    QCOMPARE(requested_threads("", "", &error), 0);
    QCOMPARE(requested_threads("3", "", &error), 3);
    QCOMPARE(requested_threads("", "5", &error), 5);
    QCOMPARE(requested_threads("2", "5", &error), 2);
    QCOMPARE(requested_threads("two", "", &error), -1);
    QVERIFY2(error.contains("--threads") && error.contains("two"), qPrintable(error));
    QCOMPARE(requested_threads("", "-1", &error), -1);
    QVERIFY2(error.contains("DEPTHSCOPE_THREADS"), qPrintable(error));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
