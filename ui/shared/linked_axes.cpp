#include "ui/shared/linked_axes.h"

#include <qcustomplot.h>

namespace depthscope::ui {

void set_range_quietly(QCPAxis* axis, const QCPRange& range) {
  if (axis->range().lower != range.lower || axis->range().upper != range.upper) axis->setRange(range);
}

QCPRange union_range(const QList<QCPAxis*>& axes) {
  QCPRange r = axes.front()->range();
  for (QCPAxis* a : axes) r.expand(a->range());
  return r;
}

LinkedAxes::LinkedAxes(QObject* parent) : QObject(parent) {}

void LinkedAxes::link(const QList<QCPAxis*>& axes) {
  if (axes.size() < 2) return;
  auto* group = new QObject(this);
  groups_ << group;
  for (QCPAxis* a : axes) {
    // The group stops when one of its axes goes (a checkpoint removed from Compare).
    connect(a, &QObject::destroyed, group, [this, group] {
      groups_.removeAll(group);
      group->deleteLater();
    });
    connect(a, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), group, [this, axes, a, group](const QCPRange& r) {
      if (paused_ > 0 || !groups_.contains(group)) return;
      const Pause pause(this);
      for (QCPAxis* b : axes) {
        if (b == a) continue;
        set_range_quietly(b, r);
        b->parentPlot()->replot(QCustomPlot::rpQueuedReplot);
      }
      emit propagated(a);
    });
  }
}

void LinkedAxes::clear() {
  for (QObject* g : groups_) g->deleteLater();
  groups_.clear();
}

}  // namespace depthscope::ui
