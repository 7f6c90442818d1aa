#pragma once
// The comparison export: every chart shown on the Compare tab and the difference table
// composed into one page, written as PNG, SVG or PDF (the table alone as CSV is
// DifferenceTableModel::csv()). The page is drawn from a plain description, not the panel.
#include <vector>

#include <QFont>
#include <QList>
#include <QSize>
#include <QString>

class QCPPainter;
class QWidget;

namespace depthscope::ui {

class Chart;
class DifferenceTableModel;
struct CompareItem;

struct ComparisonPage {
  QList<Chart*> runs;                    // loss, val PPL, variance by layer; empty: no run ticked
  QList<QList<Chart*>> checkpoints;      // variance, angular, removal rows; empty: no checkpoint
  std::vector<const CompareItem*> items; // the table's rows (swatches, scheme colours)
  const DifferenceTableModel* table = nullptr;
  QFont font;                            // the base font of the page's text
};

// Size of the composed page (pixels for PNG, points for SVG/PDF).
QSize comparison_size(const ComparisonPage& page);
void paint_comparison(QCPPainter* painter, QSize size, const ComparisonPage& page);
// .png, .svg or .pdf; false with *error naming the file and the problem.
bool write_comparison(const QString& path, const ComparisonPage& page, QString* error);

// The save dialogs (remembering the folder in "export/dir"); "" when cancelled. The
// extension of the chosen filter is added when the name has none.
QString ask_comparison_path(QWidget* parent);
QString ask_table_path(QWidget* parent);
void remember_export_folder(const QString& written);

}  // namespace depthscope::ui
