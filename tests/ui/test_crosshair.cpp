// Crosshair (ui/shared/crosshair.h): the nearest point of each curve by key; set() reads every
// curve of every chart with the exact stored values and draws the line on each chart; the
// filter leaves curves out; the mouse puts it where it points and leaving hides it; the
// one-line text. And the Train tab's use: its four step charts are linked and the crosshair
// reads the smoothed curves, not the faint raw ones (TrainCharts).
#include <map>

#include <QMouseEvent>
#include <QSignalSpy>
#include <QtTest>
#include <qcustomplot.h>

#include "tests/ui/ui_test_support.h"
#include "ui/shared/chart.h"
#include "ui/shared/crosshair.h"
#include "ui/shell/app.h"
#include "ui/train/train_charts.h"

using namespace depthscope::ui;

class TestCrosshair : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
  }

  void nearest_point_by_key() {
    Chart c("c");
    QCPGraph* g = c.add_line_series("g", Qt::blue);
    double key = 0, value = 0;
    QVERIFY(!nearest_point(g, 3, &key, &value));  // no data
    g->setData({10, 20, 30}, {1.5, 2.5, 3.5});
    QVERIFY(nearest_point(g, 14, &key, &value));
    QCOMPARE(key, 10.0);
    QCOMPARE(value, 1.5);
    QVERIFY(nearest_point(g, 16, &key, &value));
    QCOMPARE(key, 20.0);
    QVERIFY(nearest_point(g, 15, &key, &value));  // a tie goes to the earlier point
    QCOMPARE(key, 10.0);
    QVERIFY(nearest_point(g, -100, &key, &value));
    QCOMPARE(key, 10.0);
    QVERIFY(nearest_point(g, 1e9, &key, &value));
    QCOMPARE(key, 30.0);
    QCOMPARE(value, 3.5);
  }

  void reads_every_curve_of_every_chart() {
    Chart loss("loss"), ppl("ppl");
    QCPGraph* a = loss.add_line_series("A", Qt::red);
    QCPGraph* b = loss.add_line_series("B", Qt::blue);
    QCPGraph* pa = ppl.add_line_series("A", Qt::red);
    a->setData({1, 2, 3, 4}, {4.125, 3.5, 3.25, 3.0625});
    b->setData({1, 2, 3}, {5.5, 5.25, 5.0});
    pa->setData({2, 4}, {33.3125, 21.75});
    Crosshair crosshair;
    crosshair.add_chart(&loss, "train/loss", "loss");
    crosshair.add_chart(&ppl, "val/ppl", "val PPL");
    QSignalSpy moved(&crosshair, &Crosshair::moved);
    QVERIFY(!crosshair.visible());
    crosshair.set(3);
    QVERIFY(crosshair.visible());
    QCOMPARE(crosshair.x(), 3.0);
    QCOMPARE(moved.count(), 1);
    std::map<QString, CrosshairReading> read;
    for (const CrosshairReading& r : crosshair.readings()) read[r.chart + " " + r.series] = r;
    QCOMPARE(read.size(), std::size_t(3));
    QCOMPARE(read.at("train/loss A").value, 3.25);
    QCOMPARE(read.at("train/loss B").value, 5.0);
    QCOMPARE(read.at("val/ppl A").key, 2.0);  // the nearest evaluation (a tie: the earlier one)
    QCOMPARE(read.at("val/ppl A").value, 33.3125);
    QCOMPARE(crosshair.text(), QString("step 3 │ A: loss 3.25, val PPL 33.3125 @2 │ B: loss 5"));
    QCOMPARE(moved.at(0).at(0).toString(), crosshair.text());
    // A line on each chart.
    int lines = 0;
    for (Chart* c : {&loss, &ppl})
      for (int i = 0; i < c->itemCount(); ++i)
        if (auto* line = qobject_cast<QCPItemStraightLine*>(c->item(i))) {
          QVERIFY(line->visible());
          QCOMPARE(line->point1->coords().x(), 3.0);
          ++lines;
        }
    QCOMPARE(lines, 2);
    crosshair.hide();
    QVERIFY(!crosshair.visible());
  }

  void the_filter_leaves_curves_out_and_no_curve_hides_it() {
    Chart c("c");
    QCPGraph* raw = c.add_line_series("raw", Qt::gray);
    QCPGraph* smooth = c.add_line_series("smooth", Qt::black);
    raw->setData({1, 2}, {9, 8});
    smooth->setData({1, 2}, {7, 6});
    Crosshair crosshair;
    crosshair.add_chart(&c, "train/loss", "loss");
    crosshair.set_filter([raw](const QCPGraph* g) { return g != raw; });
    crosshair.set(2);
    QCOMPARE(crosshair.readings().size(), 1);
    QCOMPARE(crosshair.readings().front().series, QString("smooth"));
    QCOMPARE(crosshair.readings().front().value, 6.0);

    Chart empty("empty");
    Crosshair none;
    none.add_chart(&empty, "x", "x");
    none.set(5);
    QVERIFY(!none.visible());
    QVERIFY(none.text().isEmpty());
  }

  void follows_the_mouse_and_hides_on_leave() {
    Chart c("c");
    c.resize(700, 400);
    c.add_line_series("A", Qt::red)->setData({0, 50, 100}, {1, 2, 3});
    c.fit_to_data();
    c.xAxis->setRange(0, 100);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.replot(QCustomPlot::rpImmediateRefresh);
    Crosshair crosshair;
    crosshair.add_chart(&c, "train/loss", "loss");
    const QPointF at(c.xAxis->coordToPixel(40), c.axisRect()->center().y());
    QMouseEvent move(QEvent::MouseMove, at, c.mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(&c, &move);
    QVERIFY(crosshair.visible());
    QVERIFY(std::abs(crosshair.x() - 40) < 0.5);
    QCOMPARE(crosshair.readings().front().key, 50.0);
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(&c, &leave);
    QVERIFY(!crosshair.visible());
  }

  void train_step_charts_are_linked_and_read_smoothed_curves() {
    TrainCharts charts;
    QCPGraph* raw = charts.loss->addGraph();
    raw->setName("Pre-LN (raw)");
    raw->removeFromLegend();
    QCPGraph* smooth = charts.loss->add_line_series("Pre-LN", Qt::red);
    QCPGraph* lr = charts.lr->add_line_series("Pre-LN", Qt::red);
    raw->setData({1, 2, 3}, {3.0, 2.0, 1.0});
    smooth->setData({1, 2, 3}, {2.9, 2.2, 1.6});
    lr->setData({1, 2, 3, 60}, {1e-4, 2e-4, 3e-4, 1e-5});
    charts.fit();
    // One step range (the union) on the four step charts.
    for (Chart* c : charts.step_charts()) QCOMPARE(c->xAxis->range(), charts.lr->xAxis->range());
    QVERIFY(charts.loss->xAxis->range().contains(60));
    charts.grad->xAxis->setRange(10, 20);  // a zoom on one zooms them all
    for (Chart* c : charts.step_charts()) QCOMPARE(c->xAxis->range(), QCPRange(10, 20));
    charts.crosshair->set(2);
    QStringList read;
    for (const CrosshairReading& r : charts.crosshair->readings()) read << r.chart + " " + r.series + " " + QString::number(r.value);
    QCOMPARE(read, (QStringList{"train/loss Pre-LN 2.2", "train/lr Pre-LN 0.0002"}));
  }
};

QTEST_MAIN(TestCrosshair)
#include "test_crosshair.moc"
