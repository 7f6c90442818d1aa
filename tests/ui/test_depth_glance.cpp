// "Depth at a glance" panel: curves fill in layer by layer on a worker thread, end with one
// point per layer for Pre-LN and LNS, and cancel leaves the partial curves and a usable panel.
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QSignalSpy>
#include <QtTest>
#include <qcustomplot.h>

#include "core/runtime/threads.h"
#include "tests/ui/ui_test_support.h"
#include "ui/shell/app.h"
#include "ui/shared/chart.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/shared/job_list.h"

using namespace depthscope;
using namespace depthscope::ui;

class TestDepthGlance : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
  }

  void default_run_has_one_point_per_layer_and_streams() {
    JobList jobs;
    DepthGlancePanel panel(&jobs);
    panel.resize(1000, 700);
    QCOMPARE(panel.chart()->message().isEmpty(), false);  // empty state says what to do

    // Record Pre-LN point counts at every replot while the run is in progress.
    QList<int> counts_while_running;
    connect(panel.chart(), &QCustomPlot::afterReplot, this, [&] {
      if (panel.running()) counts_while_running << panel.graph(NormScheme::pre)->dataCount();
    });
    QSignalSpy done(&panel, &DepthGlancePanel::finished);
    panel.recompute();
    QVERIFY(panel.running());
    QCOMPARE(jobs.jobs().size(), 1);
    QVERIFY(done.wait(240000));
    QCOMPARE(done.first().first().toBool(), false);  // not cancelled

    for (NormScheme s : {NormScheme::pre, NormScheme::lns}) {
      QCPGraph* g = panel.graph(s);
      QCOMPARE(g->dataCount(), 48);
      for (int i = 0; i < 48; ++i) {
        QCOMPARE(g->data()->at(i)->key, double(i + 1));  // layers 1..48, as the user sees them
        QVERIFY(g->data()->at(i)->value > 0);
      }
    }
    const auto ratio = [&](NormScheme s) {
      const QCPGraph* g = panel.graph(s);
      return g->data()->at(47)->value / g->data()->at(0)->value;
    };
    QVERIFY2(ratio(NormScheme::pre) > ratio(NormScheme::lns),
             qPrintable(QString("Pre-LN growth %1 vs LNS %2").arg(ratio(NormScheme::pre)).arg(ratio(NormScheme::lns))));

    // Points appeared before the run ended: at least one replot showed a partial curve.
    bool partial = false;
    for (int c : counts_while_running) partial = partial || (c > 0 && c < 48);
    QVERIFY2(partial, "no replot showed a partially filled curve while running");

    QCOMPARE(jobs.jobs().front().status, QString("finished"));
    QVERIFY(panel.chart()->message().isEmpty());
    // Hovering the last Pre-LN point shows its exact value.
    QCPGraph* pre = panel.graph(NormScheme::pre);
    panel.chart()->replot(QCustomPlot::rpImmediateRefresh);
    const QPointF at(panel.chart()->xAxis->coordToPixel(48), panel.chart()->yAxis->coordToPixel(pre->data()->at(47)->value));
    const QString tip = panel.chart()->tooltip_at(at);
    QVERIFY2(tip.startsWith("Pre-LN, layer 48\n"), qPrintable(tip));
  }

  void cancel_keeps_partial_curves_and_panel_usable() {
    JobList jobs;
    DepthGlancePanel panel(&jobs);
    panel.set_model_size(160, 512);  // slow enough to cancel midway
    bool cancel_sent = false;
    connect(panel.chart(), &QCustomPlot::afterReplot, this, [&] {
      if (!cancel_sent && panel.graph(NormScheme::pre)->dataCount() > 0) {
        cancel_sent = true;
        panel.cancel();
      }
    });
    QSignalSpy done(&panel, &DepthGlancePanel::finished);
    panel.recompute();
    QVERIFY(done.wait(240000));
    QCOMPARE(done.first().first().toBool(), true);  // cancelled
    const int pre = panel.graph(NormScheme::pre)->dataCount();
    QVERIFY2(pre > 0 && pre < 160, qPrintable(QString("Pre-LN points after cancel: %1").arg(pre)));
    QCOMPARE(panel.graph(NormScheme::lns)->dataCount(), 0);
    QVERIFY(!panel.running());
    QCOMPARE(jobs.jobs().front().status, QString("cancelled"));
    auto* recompute = panel.findChild<QPushButton*>("recompute");
    QVERIFY(recompute && recompute->isEnabled());
    // The CSV holds exactly the computed layers; LNS cells are empty.
    const CsvTable t = panel.csv();
    QCOMPARE(t.rows.size(), pre);
    QCOMPARE(t.rows.back().at(2), QString());
  }

  void recompute_with_new_size_replaces_the_curves() {
    DepthGlancePanel panel;
    panel.set_model_size(6, 64);
    QSignalSpy done(&panel, &DepthGlancePanel::finished);
    panel.recompute();
    QVERIFY(done.wait(120000));
    QCOMPARE(panel.graph(NormScheme::lns)->dataCount(), 6);
    panel.set_model_size(3, 128);
    panel.recompute();
    QVERIFY(done.wait(120000));
    QCOMPARE(panel.graph(NormScheme::pre)->dataCount(), 3);
    QCOMPARE(panel.graph(NormScheme::lns)->dataCount(), 3);
    QCOMPARE(panel.csv().rows.size(), 3);
    QVERIFY(panel.chart()->title().contains("variance"));
  }

  // Every placement can be put on the chart: the Schemes menu lists each one by its display
  // name; ticking one draws its curve, with one point per layer.
  void schemes_menu_lists_every_placement_and_draws_the_ticked_ones() {
    DepthGlancePanel panel;
    panel.set_model_size(4, 64);
    auto* button = panel.findChild<QToolButton*>("glance_schemes");
    QVERIFY(button && button->menu());
    const QList<QAction*> actions = button->menu()->actions();
    QCOMPARE(actions.size(), static_cast<int>(all_norm_schemes().size()));
    for (NormScheme s : all_norm_schemes()) {
      auto* a = panel.findChild<QAction*>(QString::fromStdString("glance_scheme_" + to_string(s)));
      QVERIFY2(a, to_string(s).c_str());
      QCOMPARE(a->text(), QString::fromStdString(display_name(s)));
    }
    QSignalSpy done(&panel, &DepthGlancePanel::finished);
    panel.findChild<QAction*>("glance_scheme_dyt")->setChecked(true);  // recomputes
    QVERIFY(done.wait(120000));
    QCOMPARE(panel.schemes().size(), std::size_t(3));
    QCOMPARE(panel.graph(NormScheme::dyt)->dataCount(), 4);
    QCOMPARE(panel.graph(NormScheme::dyt)->name(), QString("DyT"));
    panel.set_schemes({NormScheme::peri, NormScheme::output, NormScheme::hybrid, NormScheme::skipinit});
    panel.recompute();
    QVERIFY(done.wait(120000));
    QVERIFY(!panel.graph(NormScheme::pre));
    for (NormScheme s : panel.schemes()) QCOMPARE(panel.graph(s)->dataCount(), 4);
    // SkipInit starts every block as the identity: a flat curve.
    const auto skip = panel.graph(NormScheme::skipinit)->data();
    QCOMPARE(skip->at(0)->value, skip->at(3)->value);
  }
};

QTEST_MAIN(TestDepthGlance)
#include "test_depth_glance.moc"
