// Light and dark, and 200 % scaling: the application palette decides every chart's colours and
// a palette change re-colours live charts; at QT_SCALE_FACTOR=2 charts render at twice the
// pixels (sharper than the 1x picture enlarged), and `--theme` is parsed.
#include <QApplication>
#include <QImage>
#include <QPixmap>
#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/shell/app.h"
#include "ui/shell/theme.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

// A chart with two curves, as the Glance tab draws them.
void fill(Chart& chart) {
  chart.set_title("Residual variance by depth", "2 schemes");
  chart.set_axis_labels("layer", "variance");
  QCPGraph* pre = chart.add_line_series("Pre-LN", scheme_color(NormScheme::pre));
  QCPGraph* lns = chart.add_line_series("LNS", scheme_color(NormScheme::lns));
  for (int l = 1; l <= 24; ++l) {
    pre->addData(l, std::pow(1.15, l));
    lns->addData(l, 1.0 + 0.05 * l);
  }
  chart.fit_to_data();
}

// Fraction of pixels that are neither the background nor close to a pure curve colour: the
// blur of edges. A picture drawn at full resolution has thinner edges than an enlarged one.
double edge_fraction(const QImage& img, const QColor& background) {
  qint64 mixed = 0, inked = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = img.pixelColor(x, y);
      const int d = std::abs(c.red() - background.red()) + std::abs(c.green() - background.green()) +
                    std::abs(c.blue() - background.blue());
      if (d < 12) continue;
      ++inked;
      if (d < 200) ++mixed;
    }
  return inked == 0 ? 1.0 : static_cast<double>(mixed) / static_cast<double>(inked);
}

}  // namespace

class TestTheme : public QObject {
  Q_OBJECT

 private slots:
  void parses_theme_names() {
    Theme t = Theme::light;
    QVERIFY(parse_theme("System", &t) && t == Theme::system);
    QVERIFY(parse_theme(" dark ", &t) && t == Theme::dark);
    QVERIFY(parse_theme("light", &t) && t == Theme::light);
    QVERIFY(!parse_theme("sepia", &t));
    QCOMPARE(to_string(Theme::dark), QString("dark"));
  }

  void dark_palette_recolours_live_charts() {
    apply_theme(Theme::light);
    QVERIFY(!dark_theme());
    Chart chart("theme");
    fill(chart);
    chart.resize(640, 420);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const auto corner = [&] {
      chart.replot();
      return chart.grab().toImage().pixelColor(3, 3);
    };
    QVERIFY2(corner().lightness() > 240, qPrintable(corner().name()));
    QVERIFY(chart.xAxis->tickLabelColor().lightness() < 100);

    apply_theme(Theme::dark);  // the chart is told through a palette change, as on a desktop switch
    QVERIFY(dark_theme());
    QCOMPARE(current_theme(), Theme::dark);
    QCoreApplication::processEvents();
    QVERIFY2(corner().lightness() < 50, qPrintable(corner().name()));
    QVERIFY(chart.xAxis->tickLabelColor().lightness() > 180);
    QVERIFY(chart.legend->textColor().lightness() > 180);
    QCOMPARE(QApplication::palette().color(QPalette::Window).lightness() < 128, true);

    apply_theme(Theme::light);
    QCoreApplication::processEvents();
    QVERIFY2(corner().lightness() > 240, qPrintable(corner().name()));
  }

  void charts_are_crisp_at_200_percent() {
    QCOMPARE(qApp->devicePixelRatio(), 2.0);  // QT_SCALE_FACTOR=2, set by main below
    apply_theme(Theme::light);
    Chart chart("scaled");
    fill(chart);
    chart.resize(600, 400);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.replot();
    const QPixmap sharp = chart.grab();
    QCOMPARE(sharp.devicePixelRatio(), 2.0);
    QCOMPARE(sharp.size(), QSize(1200, 800));
    // The same chart drawn at 1x and enlarged to the same size: what a chart that ignores the
    // scale would show.
    const QPixmap low = chart.toPixmap(600, 400, 1.0);
    QCOMPARE(low.size(), QSize(600, 400));
    const QImage enlarged = low.toImage().scaled(1200, 800, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const double sharp_edges = edge_fraction(sharp.toImage(), Qt::white);
    const double blurred_edges = edge_fraction(enlarged, Qt::white);
    qInfo("edge pixels: %.3f drawn at 2x vs %.3f enlarged from 1x", sharp_edges, blurred_edges);
    QVERIFY2(sharp_edges < 0.8 * blurred_edges,
             qPrintable(QString("2x chart not sharper: %1 vs %2").arg(sharp_edges).arg(blurred_edges)));
  }
};

int main(int argc, char** argv) {
  qputenv("QT_SCALE_FACTOR", "2");
  QApplication app(argc, argv);
  configure_application();
  TestTheme test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_theme.moc"
