#pragma once
// Where a chart's legend covers the least data. Of the four corners of the axis rect, the one
// whose legend-sized box holds the fewest samples of the visible data: a line series' points
// and three points along each segment between them (a line crossing the box counts), and a
// grid of points over each bar.
// Ties go to `preferred`, then top right, top left, bottom right, bottom left.
#include <Qt>

class QCustomPlot;

namespace depthscope::ui {

Qt::Alignment emptiest_legend_corner(const QCustomPlot& plot, Qt::Alignment preferred);

}  // namespace depthscope::ui
