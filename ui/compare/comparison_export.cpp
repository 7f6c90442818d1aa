#include "ui/compare/comparison_export.h"

#include <algorithm>

#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QPdfWriter>
#include <QSettings>
#include <QStandardPaths>
#include <QSvgGenerator>

#include <qcustomplot.h>

#include "core/version.h"
#include "ui/compare/compare_item.h"
#include "ui/compare/difference_table_model.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {
namespace {

constexpr int kCellW = 560, kCellH = 380, kGap = 16, kMargin = 28, kTitleH = 70, kHeadingH = 30;
constexpr int kRowH = 26, kTableHeaderH = 30;

int widest_row(const ComparisonPage& page) {
  int cols = std::max(2, int(page.runs.size()));
  for (const auto& r : page.checkpoints) cols = std::max(cols, int(r.size()));
  return cols;
}

}  // namespace

QSize comparison_size(const ComparisonPage& page) {
  const int cols = widest_row(page);
  const int width = 2 * kMargin + cols * kCellW + (cols - 1) * kGap;
  int height = kMargin + kTitleH;
  if (!page.runs.isEmpty()) height += kHeadingH + kCellH + kGap;
  if (!page.checkpoints.isEmpty()) height += kHeadingH + 3 * kCellH + 2 * kGap + kGap;
  height += kHeadingH + kTableHeaderH + kRowH * int(page.items.size()) + kMargin;
  return QSize(width, height);
}

void paint_comparison(QCPPainter* p, QSize size, const ComparisonPage& page) {
  p->fillRect(QRect(QPoint(0, 0), size), chart_background_color());
  const auto set_font = [&](double pt, bool bold) {
    QFont f = page.font;
    f.setPointSizeF(pt);
    f.setBold(bold);
    p->setFont(f);
  };
  // Title and what is compared.
  p->setPen(chart_text_color());
  set_font(17, true);
  p->drawText(QRect(kMargin, kMargin, size.width() - 2 * kMargin, 30), Qt::AlignLeft | Qt::AlignVCenter,
              "DepthScope comparison");
  QStringList names;
  for (const CompareItem* i : page.items) names << QString("%1 (%2)").arg(i->label, i->scheme_text());
  set_font(10, false);
  p->setPen(hint_text_color());
  p->drawText(QRect(kMargin, kMargin + 32, size.width() - 2 * kMargin, 22), Qt::AlignLeft | Qt::AlignVCenter,
              QString("%1 · %2 · DepthScope %3")
                  .arg(names.join(", "), QDateTime::currentDateTime().toString("yyyy-MM-dd HH:mm"), DEPTHSCOPE_VERSION));
  int y = kMargin + kTitleH;
  const auto heading = [&](const QString& text) {
    set_font(12, true);
    p->setPen(chart_text_color());
    p->drawText(QRect(kMargin, y, size.width() - 2 * kMargin, kHeadingH), Qt::AlignLeft | Qt::AlignVCenter, text);
    y += kHeadingH;
  };
  const auto draw_row = [&](const QList<Chart*>& row) {
    // A row with fewer charts than the widest one stretches them across the page.
    const int n = std::max(1, int(row.size()));
    const int cell_w = std::min((size.width() - 2 * kMargin - (n - 1) * kGap) / n, 2 * kCellW);
    int x = kMargin;
    for (Chart* c : row) {
      p->save();
      p->translate(x, y);
      c->toPainter(p, cell_w, kCellH);
      p->restore();
      p->setPen(QPen(chart_grid_color(), 1));
      p->setBrush(Qt::NoBrush);
      p->drawRect(QRect(x, y, cell_w, kCellH));
      x += cell_w + kGap;
    }
    y += kCellH + kGap;
  };
  if (!page.runs.isEmpty()) {
    heading("Runs · training curves on one step axis");
    draw_row(page.runs);
  }
  if (!page.checkpoints.isEmpty()) {
    heading("Checkpoints · variance by depth, angular distance, removal impact");
    for (const QList<Chart*>& row : page.checkpoints) draw_row(row);
  }

  // The difference table, from the same model as the table on the tab.
  heading("Difference table (as depthscope-cli runs compare)");
  const int width = size.width() - 2 * kMargin;
  const DifferenceTableModel& table = *page.table;
  const int ncol = table.columnCount();
  QVector<double> weights(ncol, 1.0);
  weights[DifferenceTableModel::item] = 2.2;
  weights[DifferenceTableModel::ppl_source] = 1.6;
  weights[DifferenceTableModel::near_identity] = 1.3;
  weights[DifferenceTableModel::deep_removal] = 1.5;
  double total = 0;
  for (double w : weights) total += w;
  QVector<int> xs(ncol + 1, kMargin);
  for (int c = 0; c < ncol; ++c) xs[c + 1] = xs[c] + int(width * weights[c] / total);
  const auto align = [](int c) {
    return (c <= DifferenceTableModel::scheme || c == DifferenceTableModel::ppl_source ? Qt::AlignLeft : Qt::AlignRight) |
           Qt::AlignVCenter;
  };
  p->fillRect(QRect(kMargin, y, width, kTableHeaderH), QColor(0xF2, 0xF4, 0xF7));
  set_font(9.5, true);
  p->setPen(chart_text_color());
  for (int c = 0; c < ncol; ++c)
    p->drawText(QRect(xs[c] + 6, y, xs[c + 1] - xs[c] - 12, kTableHeaderH), align(c),
                table.headerData(c, Qt::Horizontal).toString());
  y += kTableHeaderH;
  set_font(9.5, false);
  for (int r = 0; r < table.rowCount() && r < int(page.items.size()); ++r) {
    const CompareItem* item = page.items[r];
    if (r % 2 == 1) p->fillRect(QRect(kMargin, y, width, kRowH), QColor(0xF8, 0xF9, 0xFB));
    for (int c = 0; c < ncol; ++c) {
      QRect cell(xs[c] + 6, y, xs[c + 1] - xs[c] - 12, kRowH);
      if (c == DifferenceTableModel::item) {
        const QPixmap sw = swatch(item->color, item->style);
        p->drawPixmap(cell.x(), y + (kRowH - sw.height()) / 2, sw);
        cell.adjust(sw.width() + 6, 0, 0, 0);
      }
      p->setPen(c == DifferenceTableModel::scheme ? item->color : chart_text_color());
      const QString text = table.data(table.index(r, c)).toString();
      p->drawText(cell, align(c), p->fontMetrics().elidedText(text, Qt::ElideRight, cell.width()));
    }
    y += kRowH;
  }
  p->setPen(QPen(chart_grid_color(), 1));
  p->drawLine(QLineF(kMargin, y, kMargin + width, y));
}

bool write_comparison(const QString& path, const ComparisonPage& page, QString* error) {
  const QString ext = QFileInfo(path).suffix().toLower();
  const auto fail = [&](const QString& problem) {
    if (error) *error = QString("Cannot write %1: %2").arg(path, problem);
    return false;
  };
  if (page.items.empty()) return fail("there is nothing to compare yet (tick runs or add checkpoints)");
  const QSize size = comparison_size(page);
  bool ok = false;
  if (ext == "png") {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(chart_background_color());
    QCPPainter painter;
    ok = painter.begin(&image);
    if (ok) {
      painter.setRenderHint(QPainter::Antialiasing);
      painter.setRenderHint(QPainter::TextAntialiasing);
      paint_comparison(&painter, size, page);
      painter.end();
      ok = image.save(path, "PNG");
    }
  } else if (ext == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle("DepthScope comparison");
    svg.setDescription(QString("Exported by DepthScope %1").arg(DEPTHSCOPE_VERSION));
    QCPPainter painter;
    ok = painter.begin(&svg);
    if (ok) {
      paint_comparison(&painter, size, page);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  } else if (ext == "pdf") {
    QPdfWriter pdf(path);
    pdf.setResolution(72);  // one device unit = one point
    pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point, "comparison", QPageSize::ExactMatch));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setTitle("DepthScope comparison");
    pdf.setCreator(QString("DepthScope %1").arg(DEPTHSCOPE_VERSION));
    QCPPainter painter;
    ok = painter.begin(&pdf);
    if (ok) {
      paint_comparison(&painter, size, page);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  } else {
    return fail(QString("unknown format '.%1'; use .png, .svg, .pdf or .csv").arg(ext));
  }
  if (!ok) return fail("the file could not be created (check the folder exists and is writable)");
  return true;
}

QString ask_comparison_path(QWidget* parent) {
  const QString dir =
      QSettings().value("export/dir", QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)).toString();
  QString selected = "PNG image (*.png)";
  const QString path = QFileDialog::getSaveFileName(parent, "Export comparison", dir + "/comparison.png",
                                                    "PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf)",
                                                    &selected);
  if (path.isEmpty()) return path;
  QString out = path;
  if (QFileInfo(out).suffix().isEmpty()) {
    const int star = selected.indexOf("*.");
    out += selected.mid(star + 1, selected.indexOf(')', star) - star - 1);
  }
  return out;
}

QString ask_table_path(QWidget* parent) {
  const QString dir =
      QSettings().value("export/dir", QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).toString();
  QString path = QFileDialog::getSaveFileName(parent, "Export difference table", dir + "/comparison.csv", "CSV table (*.csv)");
  if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty()) path += ".csv";
  return path;
}

void remember_export_folder(const QString& written) {
  QSettings().setValue("export/dir", QFileInfo(written).absolutePath());
}

}  // namespace depthscope::ui
