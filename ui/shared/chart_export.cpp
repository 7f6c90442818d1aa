#include "ui/shared/chart_export.h"

#include <algorithm>

#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QSvgGenerator>

#include "core/version.h"
#include "ui/shared/error_dialog.h"
#include "ui/shared/chart.h"

namespace depthscope::ui {

QSize default_export_size(const Chart* chart) {
  if (chart->isVisible() && chart->width() >= 320 && chart->height() >= 220) return chart->size();
  return QSize(1200, 750);
}

namespace {

// The line under an exported chart: its source and the program, removed again afterwards.
class SourceLine {
 public:
  explicit SourceLine(Chart* chart) : chart_(chart) {
    const QString text = chart->source().isEmpty()
                             ? QString("DepthScope %1").arg(DEPTHSCOPE_VERSION)
                             : QString("%1 · DepthScope %2").arg(chart->source(), DEPTHSCOPE_VERSION);
    row_ = chart->plotLayout()->rowCount();
    chart->plotLayout()->insertRow(row_);
    element_ = new QCPTextElement(chart, text, QFont(chart->font().family(), 8));
    element_->setTextColor(QColor(0x6b, 0x72, 0x80));
    chart->plotLayout()->addElement(row_, 0, element_);
    chart->replot(QCustomPlot::rpImmediateRefresh);
  }
  ~SourceLine() {
    chart_->plotLayout()->remove(element_);
    chart_->plotLayout()->simplify();
    chart_->replot(QCustomPlot::rpQueuedReplot);
  }
  SourceLine(const SourceLine&) = delete;
  SourceLine& operator=(const SourceLine&) = delete;

 private:
  Chart* chart_;
  QCPTextElement* element_;
  int row_;
};

}  // namespace

double export_png_scale() { return std::clamp(QSettings().value("export/png_scale", 2.0).toDouble(), 1.0, 4.0); }

bool export_chart(Chart* chart, const QString& path, QString* error, QSize size, double png_scale) {
  if (!size.isValid() || size.isEmpty()) size = default_export_size(chart);
  const QString ext = QFileInfo(path).suffix().toLower();
  const auto fail = [&](const QString& problem) {
    if (error) *error = QString("Cannot write %1: %2").arg(path, problem);
    return false;
  };
  if (ext == "csv") return save_csv(chart->csv(), path, error);

  if (ext != "png" && ext != "pdf" && ext != "svg")
    return fail(QString("unknown format '.%1'; use .png, .svg, .pdf or .csv").arg(ext));
  // The subtitle wrapped for the exported width (and back for the screen afterwards), the
  // layout and data current before rendering at a new size.
  chart->wrap_subtitle(size.width());
  const SourceLine source(chart);
  bool ok = false;
  if (ext == "png") {
    ok = chart->savePng(path, size.width(), size.height(), std::clamp(png_scale, 0.25, 8.0));
  } else if (ext == "pdf") {
    ok = chart->savePdf(path, size.width(), size.height(), QCP::epNoCosmetic,
                        QString("DepthScope %1").arg(DEPTHSCOPE_VERSION), chart->title());
  } else if (ext == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(chart->title());
    svg.setDescription(QString("Exported by DepthScope %1").arg(DEPTHSCOPE_VERSION));
    QCPPainter painter;
    ok = painter.begin(&svg);
    if (ok) {
      chart->toPainter(&painter, size.width(), size.height());
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  }
  chart->wrap_subtitle(chart->width());
  if (!ok) return fail("the file could not be created (check the folder exists and is writable)");
  return true;
}

QString export_chart_dialog(Chart* chart, QWidget* parent) {
  QSettings settings;
  const QString dir = settings.value("export/dir",
      QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)).toString();
  QString selected = "PNG image (*.png)";
  const QString path = QFileDialog::getSaveFileName(
      parent, "Export chart", dir + "/" + chart->file_stem() + ".png",
      "PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf);;Chart data as CSV (*.csv)",
      &selected);
  if (path.isEmpty()) return QString();
  QString out = path;
  if (QFileInfo(out).suffix().isEmpty()) {
    // Take the extension from the chosen filter: "PNG image (*.png)" -> ".png".
    const int star = selected.indexOf("*.");
    out += selected.mid(star + 1, selected.indexOf(')', star) - star - 1);
  }
  double scale = 1.0;
  if (out.endsWith(".png", Qt::CaseInsensitive)) {
    // Pixels: the on-screen size times a scale (2× for slides and print).
    const QStringList scales{"1× (on-screen size)", "2× (slides, print)", "3×", "4×"};
    bool ok = false;
    const QString pick = QInputDialog::getItem(parent, "PNG resolution", "Scale of the on-screen size:", scales,
                                               static_cast<int>(export_png_scale()) - 1, false, &ok);
    if (!ok) return QString();
    scale = scales.indexOf(pick) + 1;
    settings.setValue("export/png_scale", scale);
  }
  QString error;
  if (!export_chart(chart, out, &error, QSize(), scale)) {
    show_error(parent, "Export failed", "The chart could not be exported.", error, "File: " + out, "export_error");
    return QString();
  }
  settings.setValue("export/dir", QFileInfo(out).absolutePath());
  return out;
}

}  // namespace depthscope::ui
