#include "ui/compare/comparison_exporter.h"

#include <QFileInfo>
#include <QWidget>

#include "ui/compare/difference_table_model.h"
#include "ui/shared/chart.h"
#include "ui/shared/crosshair.h"
#include "ui/shared/error_dialog.h"

namespace depthscope::ui {

ComparisonExporter::ComparisonExporter(std::function<ComparisonPage()> page, Crosshair* crosshair, QWidget* view)
    : QObject(view), page_(std::move(page)), crosshair_(crosshair), view_(view) {}

CsvTable ComparisonExporter::table_csv() const { return page_().table->csv(); }

QSize ComparisonExporter::comparison_size() const { return ui::comparison_size(page_()); }

bool ComparisonExporter::export_comparison(const QString& path, QString* error) {
  if (QFileInfo(path).suffix().toLower() == "csv") return save_csv(table_csv(), path, error);
  // The page shows the data, not where the mouse happened to be.
  const bool crosshair_shown = crosshair_->visible();
  if (crosshair_shown) crosshair_->hide();
  const bool ok = write_comparison(path, page_(), error);
  if (crosshair_shown) crosshair_->set(crosshair_->x());
  for (Chart* c : view_->findChildren<Chart*>()) c->replot(QCustomPlot::rpQueuedReplot);
  return ok;
}

void ComparisonExporter::export_dialog() {
  const QString out = ask_comparison_path(view_);
  if (out.isEmpty()) return;
  QString error;
  if (!export_comparison(out, &error)) {
    show_error(view_, "Export failed", "The comparison could not be exported.", error, QString(), "export_error");
    return;
  }
  remember_export_folder(out);
  emit log("Compare: wrote " + out);
}

void ComparisonExporter::export_table_dialog() {
  const QString path = ask_table_path(view_);
  if (path.isEmpty()) return;
  QString error;
  if (!save_csv(table_csv(), path, &error)) {
    show_error(view_, "Export failed", "The comparison could not be exported.", error, QString(), "export_error");
    return;
  }
  remember_export_folder(path);
  emit log("Compare: wrote " + path);
}

}  // namespace depthscope::ui
