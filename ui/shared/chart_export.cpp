#include "ui/shared/chart_export.h"

#include <QFileDialog>
#include <QFileInfo>
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

bool export_chart(Chart* chart, const QString& path, QString* error, QSize size) {
  if (!size.isValid() || size.isEmpty()) size = default_export_size(chart);
  const QString ext = QFileInfo(path).suffix().toLower();
  const auto fail = [&](const QString& problem) {
    if (error) *error = QString("Cannot write %1: %2").arg(path, problem);
    return false;
  };
  if (ext == "csv") return save_csv(chart->csv(), path, error);

  // Make sure the layout and data are current before rendering at a new size.
  chart->replot(QCustomPlot::rpImmediateRefresh);
  bool ok = false;
  if (ext == "png") {
    ok = chart->savePng(path, size.width(), size.height(), 1.0);
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
  } else {
    return fail(QString("unknown format '.%1'; use .png, .svg, .pdf or .csv").arg(ext));
  }
  chart->replot(QCustomPlot::rpQueuedReplot);
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
  QString error;
  if (!export_chart(chart, out, &error)) {
    show_error(parent, "Export failed", "The chart could not be exported.", error, "File: " + out, "export_error");
    return QString();
  }
  settings.setValue("export/dir", QFileInfo(out).absolutePath());
  return out;
}

}  // namespace depthscope::ui
