#pragma once
// What the Tour's steps draw with: the two schemes they compare, their colours in rich text,
// bars and dashed series in the Tour's style, and chart fonts scaled for presenter mode.
#include <QColor>
#include <QString>

#include "core/model/config.h"

class QCPBars;
class QCPGraph;

namespace depthscope::ui {

class Chart;

inline constexpr NormScheme kTourSchemes[] = {NormScheme::pre, NormScheme::lns};

// "● Pre-LN" in the scheme's colour.
QString scheme_html(NormScheme s);
QColor faint(QColor c, int alpha = 110);
// Axis, legend, title and line widths of `chart` at `scale` (1: normal; presenter mode 1.6).
void set_chart_fonts(Chart* chart, double scale);
QCPGraph* dashed_series(Chart* chart, const QString& name, const QColor& color);
QCPBars* add_bars(Chart* chart, const QString& name, const QColor& color, double width);
// The last point's value over the first's (NaN with fewer than two points or a first ≤ 0).
double last_over_first(const QCPGraph* g);

}  // namespace depthscope::ui
