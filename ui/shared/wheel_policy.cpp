#include "ui/shared/wheel_policy.h"

#include <algorithm>
#include <cmath>

#include <QWheelEvent>

#include "ui/shared/chart.h"

namespace depthscope::ui {

void WheelPolicy::install(Chart* chart) { chart->installEventFilter(new WheelPolicy(chart)); }

bool WheelPolicy::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::Wheel) return false;
  auto* wheel = static_cast<QWheelEvent*>(event);
  if (!(wheel->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier | Qt::AltModifier))) {
    event->ignore();  // not the chart's: it goes on to the page (the scroll area) and scrolls it
    return true;
  }
  auto* chart = qobject_cast<Chart*>(watched);
  if (chart) QMetaObject::invokeMethod(this, [chart] { clamp_to_data(chart); }, Qt::QueuedConnection);
  return false;  // the chart zooms; clamped right after
}

void WheelPolicy::clamp_to_data(Chart* chart) {
  for (QCPAxis* axis : {chart->xAxis, chart->yAxis}) {
    double lo = 0, hi = 0;
    bool any = false;
    for (int i = 0; i < chart->plottableCount(); ++i) {
      QCPAbstractPlottable* p = chart->plottable(i);
      bool found = false;
      const QCPRange r = axis == chart->xAxis ? p->getKeyRange(found) : p->getValueRange(found);
      if (!found) continue;
      lo = any ? std::min(lo, r.lower) : r.lower;
      hi = any ? std::max(hi, r.upper) : r.upper;
      any = true;
    }
    if (!any) continue;
    const bool log = axis->scaleType() == QCPAxis::stLogarithmic && lo > 0;
    double min = 0, max = 0;
    if (log) {
      const double span = std::max(std::log10(hi / lo), 1.0);
      min = lo / std::pow(10.0, span / 2);
      max = hi * std::pow(10.0, span / 2);
    } else {
      const double span = std::max(hi - lo, 1.0);
      min = lo - span / 2;
      max = hi + span / 2;
    }
    const QCPRange r = axis->range();
    const QCPRange clamped(std::max(r.lower, min), std::min(r.upper, max));
    if (clamped.upper > clamped.lower && (clamped.lower != r.lower || clamped.upper != r.upper)) axis->setRange(clamped);
  }
  chart->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace depthscope::ui
