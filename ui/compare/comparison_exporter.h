#pragma once
// The Compare tab's export actions: the composed page (comparison_export.h) as PNG, SVG or
// PDF, or the difference table as CSV, written from a path or through the save dialogs.
// The page is described by the panel each time (what is shown now).
#include <functional>

#include <QObject>
#include <QSize>
#include <QString>

#include "ui/compare/comparison_export.h"
#include "ui/shared/csv_table.h"

class QWidget;

namespace depthscope::ui {

class Crosshair;

class ComparisonExporter : public QObject {
  Q_OBJECT
 public:
  // page: what the tab shows now; crosshair: hidden while the page is drawn; view: the
  // dialogs' parent, whose charts are replotted after an export.
  ComparisonExporter(std::function<ComparisonPage()> page, Crosshair* crosshair, QWidget* view);

  // The difference table: header + one row per compared item.
  CsvTable table_csv() const;
  // .png, .svg or .pdf: every chart shown and the table composed into one page; .csv: the
  // table. On failure returns false with *error naming the file and the problem.
  bool export_comparison(const QString& path, QString* error);
  // Size of the composed page (pixels for PNG, points for SVG/PDF).
  QSize comparison_size() const;

 public slots:
  void export_dialog();
  void export_table_dialog();

 signals:
  void log(const QString& message);

 private:
  std::function<ComparisonPage()> page_;
  Crosshair* crosshair_;
  QWidget* view_;
};

}  // namespace depthscope::ui
