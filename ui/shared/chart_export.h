#pragma once
// Export a chart as PNG, SVG (QSvgGenerator), PDF (QCustomPlot::savePdf) or its data as CSV.
// The format follows the file extension.
#include <QSize>
#include <QString>

class QWidget;

namespace depthscope::ui {

class Chart;

// Size used when the caller passes an empty size: the chart's on-screen size, or 1200x750
// when it is not on screen (offscreen tests, --screenshot before layout).
QSize default_export_size(const Chart* chart);

// Writes `path` (.png, .svg, .pdf or .csv). On failure returns false and sets *error to a
// sentence naming the file and the problem. `size` is in pixels (points for PDF/SVG); a PNG is
// rendered at `png_scale` times that size (2: for print and slides). The chart's source (a
// model or run name, Chart::set_source) and the DepthScope version are printed under it.
bool export_chart(Chart* chart, const QString& path, QString* error, QSize size = QSize(), double png_scale = 1.0);

// The PNG scale the export dialog last used (QSettings "export/png_scale", default 2).
double export_png_scale();

// "Export chart…": asks for a file name and format, writes it, reports failure in a dialog.
// Returns the path written, or an empty string when cancelled or failed.
QString export_chart_dialog(Chart* chart, QWidget* parent);

}  // namespace depthscope::ui
