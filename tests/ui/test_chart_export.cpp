// Chart export: PNG with both scheme colours, SVG, PDF, and CSV with one row per layer.
#include <QFile>
#include <QFontMetrics>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include <cstdlib>

#include "core/runtime/threads.h"
#include "tests/ui/ui_test_support.h"
#include "ui/shell/app.h"
#include "ui/shared/chart.h"
#include "ui/shared/chart_export.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/shared/palette.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {
// Pixels within 6 levels per channel of `c` (line centres and markers are drawn in the exact colour).
int pixels_near(const QImage& img, const QColor& c) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const QColor p = img.pixelColor(x, y);
      if (std::abs(p.red() - c.red()) <= 6 && std::abs(p.green() - c.green()) <= 6 &&
          std::abs(p.blue() - c.blue()) <= 6)
        ++n;
    }
  }
  return n;
}

QByteArray head(const QString& path, int n) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.read(n);
}
}  // namespace

class TestChartExport : public QObject {
  Q_OBJECT
  DepthGlancePanel* panel_ = nullptr;
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
    QVERIFY(dir_.isValid());
    panel_ = new DepthGlancePanel;
    panel_->resize(1100, 700);
    QSignalSpy done(panel_, &DepthGlancePanel::finished);
    panel_->recompute();
    QVERIFY(done.wait(240000));
    QCOMPARE(panel_->graph(NormScheme::pre)->dataCount(), 48);
  }
  void cleanupTestCase() { delete panel_; }

  void png_has_size_and_both_scheme_colours() {
    const QString path = dir_.filePath("glance.png");
    QString error;
    QVERIFY2(export_chart(panel_->chart(), path, &error, QSize(1000, 600)), qPrintable(error));
    QImage img(path);
    QVERIFY(!img.isNull());
    QCOMPARE(img.size(), QSize(1000, 600));
    // Far more than a legend icon (~100 px): the curves themselves are drawn.
    const int pre = pixels_near(img, scheme_color(NormScheme::pre));
    const int lns = pixels_near(img, scheme_color(NormScheme::lns));
    QVERIFY2(pre > 400, qPrintable(QString("Pre-LN pixels: %1").arg(pre)));
    QVERIFY2(lns > 400, qPrintable(QString("LNS pixels: %1").arg(lns)));
    // Background is white.
    QCOMPARE(img.pixelColor(2, 2), QColor(Qt::white));
  }

  // A PNG at twice the size, with the chart's source printed under it (in grey, in the last
  // rows above the bottom edge) and gone from the chart afterwards.
  void png_at_a_scale_names_its_source() {
    Chart* chart = panel_->chart();
    chart->set_source("a 48-layer fresh model");
    const int rows = chart->plotLayout()->rowCount();
    const QString plain = dir_.filePath("glance-1x.png"), big = dir_.filePath("glance-2x.png");
    QString error;
    QVERIFY2(export_chart(chart, big, &error, QSize(800, 500), 2.0), qPrintable(error));
    const QImage img(big);
    QCOMPARE(img.size(), QSize(1600, 1000));
    if (!qgetenv("DEPTHSCOPE_EXPORT_SHOT").isEmpty()) QFile::copy(big, QString::fromLocal8Bit(qgetenv("DEPTHSCOPE_EXPORT_SHOT")));
    QCOMPARE(chart->plotLayout()->rowCount(), rows);  // the source line is gone again
    // Grey text pixels in the bottom band, where the source line is.
    int grey = 0;
    for (int y = img.height() - 40; y < img.height(); ++y)
      for (int x = 0; x < img.width(); ++x) {
        const QColor c = img.pixelColor(x, y);
        grey += std::abs(c.red() - c.blue()) < 20 && c.red() < 200;
      }
    QVERIFY2(grey > 100, qPrintable(QString("grey pixels in the bottom band: %1").arg(grey)));
    chart->set_source(QString());
    QVERIFY2(export_chart(chart, plain, &error, QSize(800, 500)), qPrintable(error));
    QCOMPARE(QImage(plain).size(), QSize(800, 500));
  }

  // A subtitle too long for the chart breaks at its " · " separators instead of being cut.
  void a_long_subtitle_wraps_instead_of_clipping() {
    Chart chart("wrap-test");
    const QString subtitle = "Freshly initialised Llama-style model: 48 layers · d_model 256 · 4 heads · FFN 688 · "
                             "38.48M parameters · 4×64 random tokens";
    chart.resize(420, 300);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.set_title("Title", subtitle);
    QCOMPARE(chart.subtitle(), subtitle);
    auto* element = qobject_cast<QCPTextElement*>(chart.plotLayout()->element(1, 0));
    QVERIFY(element);
    QVERIFY2(element->text().contains('\n'), qPrintable(element->text()));
    for (const QString& line : element->text().split('\n'))
      QVERIFY2(QFontMetrics(element->font()).horizontalAdvance(line) <= 420 - 24, qPrintable(line));
    chart.resize(2000, 300);
    QTRY_COMPARE(element->text(), chart.subtitle());  // room enough: one line again

    // A part with no separator that is still too wide breaks at its spaces (Compare's
    // "residual_variance at each run's last layer-metrics step" on a third of the window).
    chart.resize(260, 300);
    chart.set_title("Title", "residual_variance at each run's last layer-metrics step");
    QTRY_VERIFY(element->text().contains('\n'));
    for (const QString& line : element->text().split('\n'))
      QVERIFY2(QFontMetrics(element->font()).horizontalAdvance(line) <= chart.width() - 24, qPrintable(line));
  }

  // A title too long for the chart (Tour step 1's on a narrow figure) breaks at its spaces.
  void a_long_title_wraps_instead_of_clipping() {
    Chart chart("wrap-test");
    const QString title = "How much each block adds, relative to the stream";
    chart.resize(300, 300);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.set_title(title, "sub");
    QCOMPARE(chart.title(), title);
    auto* element = qobject_cast<QCPTextElement*>(chart.plotLayout()->element(0, 0));
    QVERIFY(element);
    QVERIFY2(element->text().contains('\n'), qPrintable(element->text()));
    for (const QString& line : element->text().split('\n'))
      QVERIFY2(QFontMetrics(element->font()).horizontalAdvance(line) <= 300 - 24, qPrintable(line));
    // The centred message wraps too (Train's "Waiting for the first steps…" ran off narrow
    // charts); message() is the text as set.
    const QString message = "Waiting for the first steps…\n(queued runs start when the job worker reaches them)";
    chart.set_message(message);
    QCOMPARE(chart.message(), message);
    QCPItemText* shown = nullptr;
    for (int i = 0; i < chart.itemCount(); ++i)
      if (auto* t = qobject_cast<QCPItemText*>(chart.item(i)); t && t->visible()) shown = t;
    QVERIFY(shown);
    QVERIFY2(shown->text().count('\n') >= 2, qPrintable(shown->text()));
    for (const QString& line : shown->text().split('\n'))
      QVERIFY2(QFontMetrics(shown->font()).horizontalAdvance(line) <= 300 - 24 - 120, qPrintable(line));
    chart.resize(1200, 300);
    QTRY_COMPARE(element->text(), title);
    QTRY_COMPARE(shown->text(), message);
  }

  void png_in_linear_scale_too() {
    panel_->set_log_y(false);
    const QString path = dir_.filePath("glance-linear.png");
    QString error;
    QVERIFY2(export_chart(panel_->chart(), path, &error, QSize(800, 500)), qPrintable(error));
    const QImage img(path);
    QCOMPARE(img.size(), QSize(800, 500));
    QVERIFY(pixels_near(img, scheme_color(NormScheme::pre)) > 200);
    panel_->set_log_y(true);
    QVERIFY(panel_->chart()->log_y());
  }

  void svg_and_pdf_are_written() {
    QString error;
    const QString svg = dir_.filePath("glance.svg");
    QVERIFY2(export_chart(panel_->chart(), svg, &error), qPrintable(error));
    const QByteArray svg_head = head(svg, 400);
    QVERIFY2(svg_head.contains("<svg") || svg_head.contains("<?xml"), svg_head.constData());
    QFile svg_file(svg);
    QVERIFY(svg_file.size() > 5000);
    const QString pdf = dir_.filePath("glance.pdf");
    QVERIFY2(export_chart(panel_->chart(), pdf, &error), qPrintable(error));
    QCOMPARE(head(pdf, 5), QByteArray("%PDF-"));
  }

  void csv_has_header_and_one_row_per_layer() {
    const QString path = dir_.filePath("glance.csv");
    QString error;
    QVERIFY2(export_chart(panel_->chart(), path, &error), qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 49);
    QCOMPARE(lines[0], QString("layer,Pre-LN,LNS"));
    for (int l = 1; l <= 48; ++l) {
      const QStringList cells = lines[l].split(',');
      QCOMPARE(cells.size(), 3);
      QCOMPARE(cells[0], QString::number(l));
      // Same numbers as the chart (9 significant digits).
      QVERIFY(std::abs(cells[1].toDouble() / panel_->graph(NormScheme::pre)->data()->at(l - 1)->value - 1) < 1e-8);
      QVERIFY(cells[2].toDouble() > 0);
    }
  }

  void failures_name_the_file() {
    QString error;
    const QString bad_ext = dir_.filePath("glance.bmpx");
    QVERIFY(!export_chart(panel_->chart(), bad_ext, &error));
    QVERIFY2(error.contains(bad_ext) && error.contains(".png"), qPrintable(error));
    const QString no_dir = dir_.filePath("missing/folder/glance.png");
    QVERIFY(!export_chart(panel_->chart(), no_dir, &error));
    QVERIFY2(error.contains(no_dir), qPrintable(error));
    QVERIFY(!export_chart(panel_->chart(), dir_.filePath("missing/glance.csv"), &error));
    QVERIFY2(error.contains("missing/glance.csv"), qPrintable(error));
  }
};

QTEST_MAIN(TestChartExport)
#include "test_chart_export.moc"
