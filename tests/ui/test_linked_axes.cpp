// LinkedAxes (ui/shared/linked_axes.h): a range set on one axis of a group reaches every other
// axis of it (a call, and the mouse wheel); a Pause keeps each axis's own range; a group
// survives one of its charts being deleted; clear() stops it; union_range and
// set_range_quietly.
#include <memory>

#include <QSignalSpy>
#include <QWheelEvent>
#include <QtTest>
#include <qcustomplot.h>

#include "tests/ui/ui_test_support.h"
#include "ui/shared/chart.h"
#include "ui/shared/linked_axes.h"
#include "ui/shell/app.h"

using namespace depthscope::ui;

class TestLinkedAxes : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
  }

  void a_range_reaches_the_whole_group() {
    Chart a("a"), b("b"), c("c");
    LinkedAxes links;
    QSignalSpy spy(&links, &LinkedAxes::propagated);
    links.link({a.xAxis, b.xAxis, c.xAxis});
    QCOMPARE(links.groups(), 1);
    b.xAxis->setRange(3, 17);
    QCOMPARE(a.xAxis->range(), QCPRange(3, 17));
    QCOMPARE(c.xAxis->range(), QCPRange(3, 17));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<QCPAxis*>(), b.xAxis);
    // The y axes are not in the group.
    a.yAxis->setRange(0, 100);
    QVERIFY(b.yAxis->range() != QCPRange(0, 100));
  }

  void the_wheel_zooms_every_linked_chart() {
    Chart a("a"), b("b");
    for (Chart* c : {&a, &b}) {
      c->resize(600, 400);
      c->add_line_series("s", Qt::red)->setData({1, 50, 100}, {1, 2, 3});
      c->fit_to_data();
      c->replot(QCustomPlot::rpImmediateRefresh);
    }
    LinkedAxes links;
    links.link({a.xAxis, b.xAxis});
    a.xAxis->setRange(0, 100);
    const QPointF centre = a.axisRect()->rect().center();
    QWheelEvent wheel(centre, a.mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(&a, &wheel);
    QVERIFY2(a.xAxis->range().size() < 100, "the wheel did not zoom");
    QCOMPARE(b.xAxis->range(), a.xAxis->range());
  }

  void a_pause_keeps_each_range() {
    Chart a("a"), b("b");
    LinkedAxes links;
    links.link({a.xAxis, b.xAxis});
    {
      const LinkedAxes::Pause pause(&links);
      QVERIFY(links.paused());
      a.xAxis->setRange(0, 10);
      b.xAxis->setRange(5, 50);
    }
    QVERIFY(!links.paused());
    QCOMPARE(a.xAxis->range(), QCPRange(0, 10));
    QCOMPARE(b.xAxis->range(), QCPRange(5, 50));
    a.xAxis->setRange(1, 2);
    QCOMPARE(b.xAxis->range(), QCPRange(1, 2));
  }

  void a_deleted_chart_leaves_the_others_alone() {
    Chart a("a"), b("b");
    auto c = std::make_unique<Chart>("c");
    LinkedAxes links;
    links.link({a.xAxis, b.xAxis, c->xAxis});
    links.link({a.yAxis, b.yAxis});
    QCOMPARE(links.groups(), 2);
    c.reset();
    QCOMPARE(links.groups(), 1);  // the x group went with c's axis
    a.xAxis->setRange(7, 9);      // no crash, no propagation through a dead axis
    QVERIFY(b.xAxis->range() != QCPRange(7, 9));
    a.yAxis->setRange(-1, 1);     // the y group still works
    QCOMPARE(b.yAxis->range(), QCPRange(-1, 1));
    links.clear();
    QCOMPARE(links.groups(), 0);
    a.yAxis->setRange(-2, 2);
    QCOMPARE(b.yAxis->range(), QCPRange(-1, 1));
  }

  void union_and_quiet_ranges() {
    Chart a("a"), b("b");
    a.xAxis->setRange(0, 10);
    b.xAxis->setRange(-5, 4);
    QCOMPARE(union_range({a.xAxis, b.xAxis}), QCPRange(-5, 10));
    QSignalSpy changed(a.xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged));
    set_range_quietly(a.xAxis, QCPRange(0, 10));
    QCOMPARE(changed.count(), 0);
    set_range_quietly(a.xAxis, QCPRange(0, 11));
    QCOMPARE(changed.count(), 1);
  }
};

QTEST_MAIN(TestLinkedAxes)
#include "test_linked_axes.moc"
