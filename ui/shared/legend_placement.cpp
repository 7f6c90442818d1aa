#include "ui/shared/legend_placement.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace depthscope::ui {

namespace {

constexpr int kMaxPointsPerSeries = 4000;  // longer series are sampled with a stride
constexpr int kSamplesPerSegment = 3;

// A bar's samples: a grid of 3 x 5 points over its area, in pixels.
void add_bar_samples(const QCPBars& bars, std::vector<QPointF>& out) {
  const QCPRange keys = bars.keyAxis()->range();
  const double half = bars.width() / 2;  // plot coordinates (the default width type)
  for (auto it = bars.data()->constBegin(); it != bars.data()->constEnd(); ++it) {
    if (!std::isfinite(it->value) || it->key + half < keys.lower || it->key - half > keys.upper) continue;
    const double base = bars.valueAxis()->scaleType() == QCPAxis::stLogarithmic ? bars.valueAxis()->range().lower : 0.0;
    for (double dk : {-0.8 * half, 0.0, 0.8 * half})
      for (int s = 0; s <= 4; ++s) out.push_back(bars.coordsToPixels(it->key + dk, base + (it->value - base) * s / 4.0));
  }
}

// The visible samples of every visible graph and bar chart, in pixels.
std::vector<QPointF> visible_samples(const QCustomPlot& plot) {
  std::vector<QPointF> out;
  for (const QCPAbstractPlottable* p : plot.axisRect()->plottables())
    if (const auto* bars = qobject_cast<const QCPBars*>(p); bars && bars->visible()) add_bar_samples(*bars, out);
  for (int g = 0; g < plot.graphCount(); ++g) {
    const QCPGraph* graph = plot.graph(g);
    if (!graph->visible() || graph->data()->isEmpty()) continue;
    const QCPRange keys = graph->keyAxis()->range();
    auto begin = graph->data()->findBegin(keys.lower), end = graph->data()->findEnd(keys.upper);
    const int n = static_cast<int>(end - begin);
    const int stride = std::max(1, n / kMaxPointsPerSeries);
    bool have_last = false;
    QPointF last;
    for (auto it = begin; it < end; it += stride) {
      if (!std::isfinite(it->value)) {
        have_last = false;
        continue;
      }
      const QPointF p = graph->coordsToPixels(it->key, it->value);
      if (have_last && graph->lineStyle() != QCPGraph::lsNone)
        for (int s = 1; s <= kSamplesPerSegment; ++s) out.push_back(last + (p - last) * (s / (kSamplesPerSegment + 1.0)));
      out.push_back(p);
      last = p;
      have_last = true;
    }
  }
  return out;
}

QRectF box_at(const QRectF& area, QSizeF size, Qt::Alignment corner) {
  const double x = (corner & Qt::AlignLeft) ? area.left() : area.right() - size.width();
  const double y = (corner & Qt::AlignTop) ? area.top() : area.bottom() - size.height();
  return QRectF(QPointF(x, y), size);
}

}  // namespace

Qt::Alignment emptiest_legend_corner(const QCustomPlot& plot, Qt::Alignment preferred) {
  const QRectF area = plot.axisRect()->rect();
  QSizeF size = plot.legend->outerRect().size();
  if (size.isEmpty()) size = plot.legend->minimumOuterSizeHint();
  // The legend sits the inset margins (12 px) inside the axes: its box reaches that much further
  // from the corner, and a point in the margin lies against its frame.
  const QMargins inset = plot.axisRect()->insetLayout()->margins();
  if (!size.isEmpty()) size += QSizeF(std::max(inset.left(), inset.right()), std::max(inset.top(), inset.bottom()));
  if (area.isEmpty() || size.isEmpty()) return preferred;
  const std::vector<QPointF> samples = visible_samples(plot);
  const std::array<Qt::Alignment, 5> order = {preferred, Qt::AlignTop | Qt::AlignRight, Qt::AlignTop | Qt::AlignLeft,
                                              Qt::AlignBottom | Qt::AlignRight, Qt::AlignBottom | Qt::AlignLeft};
  Qt::Alignment best = preferred;
  long best_count = -1;
  for (Qt::Alignment corner : order) {
    const QRectF box = box_at(area, size, corner);
    const long count = std::count_if(samples.begin(), samples.end(), [&](const QPointF& p) { return box.contains(p); });
    if (best_count < 0 || count < best_count) {
      best = corner;
      best_count = count;
    }
  }
  return best;
}

}  // namespace depthscope::ui
