// Legend placement (ui/shared/legend_placement.h, Chart::place_legend): the legend leaves the
// corner where the data is for the emptiest one, comes back to its preferred corner when that
// is free again, counts a line crossing its box between two far-apart points, and stays put
// when the chart is told so.
#include <QtTest>
#include <qcustomplot.h>

#include "tests/ui/ui_test_support.h"
#include "ui/shared/chart.h"
#include "ui/shared/legend_placement.h"
#include "ui/shell/app.h"

using namespace depthscope::ui;

namespace {

Qt::Alignment corner_of(const Chart& c) { return c.axisRect()->insetLayout()->insetAlignment(0); }

// A chart 480 x 320 with one series, its axes fixed to 0..10 both ways, replotted twice (the
// first replot lays the legend out, the second places it by the data).
void draw(Chart& c, const QVector<double>& x, const QVector<double>& y) {
  if (c.graphCount() == 0) c.add_line_series("series", Qt::blue);
  c.graph(0)->setData(x, y);
  c.xAxis->setRange(0, 10);
  c.yAxis->setRange(0, 10);
  c.replot();
  c.replot();
}

}  // namespace

class TestLegendPlacement : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
  }

  void leaves_the_data_and_comes_back() {
    Chart c("c");
    c.resize(480, 320);
    const Qt::Alignment top_left = Qt::AlignTop | Qt::AlignLeft;
    QCOMPARE(corner_of(c), top_left);  // Chart's default, the preference
    // Points along the top: both top corners are covered, the first free one is bottom right.
    QVector<double> x, high, low;
    for (int i = 0; i <= 20; ++i) {
      x << i * 0.5;
      high << 9.5;
      low << 0.5;
    }
    draw(c, x, high);
    QCOMPARE(corner_of(c), Qt::AlignBottom | Qt::AlignRight);
    const QRect legend = c.legend->outerRect();
    for (int i = 0; i <= 20; ++i)
      QVERIFY2(!legend.contains(c.graph(0)->coordsToPixels(x[i], high[i]).toPoint()), "the legend covers a point");
    // Points along the bottom: the preferred corner is free again.
    draw(c, x, low);
    QCOMPARE(corner_of(c), top_left);
  }

  void a_line_between_two_points_counts() {
    Chart c("c");
    c.resize(480, 320);
    // Two points only, outside the axes left and right, near the top: no point lies in a
    // corner's box, but the line between them crosses both top ones.
    draw(c, {-5, 15}, {9.5, 9.5});
    QVERIFY(corner_of(c) & Qt::AlignBottom);
  }

  void bars_count_too() {
    Chart c("c");
    c.resize(480, 320);
    // Tall bars over the right half, a line along the top: the only free corner is bottom left
    // (bottom right is free only to a placement that ignores bars).
    auto* bars = new QCPBars(c.xAxis, c.yAxis);
    bars->setWidth(0.8);
    bars->setData({6, 7, 8, 9, 10}, {6, 6, 6, 6, 6});
    draw(c, {-5, 15}, {9.5, 9.5});
    QCOMPARE(corner_of(c), Qt::AlignBottom | Qt::AlignLeft);
  }

  // The place is decided for the size the chart has when it is replotted: after a resize, not
  // on the axis rect of the size before (Inspect's variance chart kept its legend over the
  // first layers when the window grew after the data came).
  void decided_for_the_new_size_after_a_resize() {
    Chart c("c");
    c.resize(900, 600);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    // A line rising from 70% of the height at the left: clear of a small top-left box in a
    // large chart, through it in a small one.
    draw(c, {0, 10}, {7, 10});
    QCOMPARE(corner_of(c), Qt::AlignTop | Qt::AlignLeft);
    c.resize(260, 200);  // the resize replots once
    QTRY_VERIFY2(corner_of(c) & Qt::AlignBottom, qPrintable(QString("corner %1").arg(int(corner_of(c)))));
  }

  void stays_put_when_told() {
    Chart c("c");
    c.resize(480, 320);
    c.set_legend_follows_data(false);
    draw(c, {0, 5, 10}, {9.5, 9.5, 9.5});
    QCOMPARE(corner_of(c), Qt::AlignTop | Qt::AlignLeft);
  }

  void the_function_prefers_its_preferred_corner_on_ties() {
    Chart c("c");
    c.resize(480, 320);
    c.set_legend_follows_data(false);
    draw(c, {5}, {5});  // one point in the middle: no corner holds data
    QCOMPARE(emptiest_legend_corner(c, Qt::AlignBottom | Qt::AlignLeft), Qt::AlignBottom | Qt::AlignLeft);
  }
};

QTEST_MAIN(TestLegendPlacement)
#include "test_legend_placement.moc"
