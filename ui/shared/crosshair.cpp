#include "ui/shared/crosshair.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <QEvent>
#include <QMouseEvent>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {
namespace {
QString num(double v) { return QString::number(v, 'g', 6); }
}  // namespace

bool nearest_point(const QCPGraph* g, double x, double* key, double* value) {
  const auto data = g->data();
  if (data->isEmpty()) return false;
  auto it = std::lower_bound(data->constBegin(), data->constEnd(), x,
                             [](const QCPGraphData& d, double k) { return d.key < k; });
  if (it == data->constEnd()) --it;
  if (it != data->constBegin()) {
    auto prev = it - 1;
    if (std::abs(prev->key - x) <= std::abs(it->key - x)) it = prev;
  }
  *key = it->key;
  *value = it->value;
  return true;
}

Crosshair::Crosshair(QObject* parent) : QObject(parent) {}

void Crosshair::add_chart(Chart* c, const QString& name, const QString& short_name) {
  Part part;
  part.chart = c;
  part.name = name;
  part.short_name = short_name;
  part.line = new QCPItemStraightLine(c);
  part.line->setLayer("overlay");
  part.line->setPen(QPen(QColor(0x26, 0x2B, 0x33, 150), 1, Qt::DashLine));
  for (QCPItemPosition* p : {part.line->point1, part.line->point2}) {
    p->setTypeX(QCPItemPosition::ptPlotCoords);
    p->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  part.line->point1->setCoords(0, 0);
  part.line->point2->setCoords(0, 1);
  part.line->setVisible(false);
  part.label = new QCPItemText(c);
  part.label->setLayer("overlay");
  part.label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  part.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  part.label->setTextAlignment(Qt::AlignLeft);
  part.label->setPadding(QMargins(6, 4, 6, 4));
  part.label->setBrush(chart_overlay_color(235));
  part.label->setPen(QPen(chart_grid_color().darker(120)));
  part.label->setColor(chart_text_color());
  QFont f = part.label->font();
  f.setPointSizeF(9);
  part.label->setFont(f);
  part.label->setVisible(false);
  parts_ << part;
  c->installEventFilter(this);
  connect(c, &QCustomPlot::mouseMove, this, [this, c](QMouseEvent* e) {
    if (c->axisRect()->rect().contains(e->position().toPoint()))
      set(c->xAxis->pixelToCoord(e->position().x()));
    else
      hide();
  });
}

void Crosshair::set(double x) {
  x_ = x;
  bool any = false;
  for (const Part& p : parts_) any = any || p.chart->graphCount() > 0;
  if (!any) {
    hide();
    return;
  }
  for (const Part& p : parts_) position(p);
  emit moved(text());
}

void Crosshair::refresh() {
  if (visible()) set(x_);
}

void Crosshair::position(const Part& part) {
  Chart* chart = part.chart;
  const QString text = label_text(part);
  part.line->point1->setCoords(x_, 0);
  part.line->point2->setCoords(x_, 1);
  part.line->setVisible(chart->graphCount() > 0);
  part.label->setText(text);
  const QCPRange r = chart->xAxis->range();
  const bool right_half = x_ > r.center();
  // Keep the label off the curves: at the bottom when they pass the crosshair in the top half.
  double sum = 0;
  int count = 0;
  for (int i = 0; i < chart->graphCount(); ++i) {
    double key = 0, value = 0;
    if (reads(chart->graph(i)) && nearest_point(chart->graph(i), x_, &key, &value) && std::isfinite(value)) {
      sum += chart->yAxis->coordToPixel(value);
      ++count;
    }
  }
  const bool bottom = count > 0 && sum / count < chart->axisRect()->center().y();
  part.label->setPositionAlignment((bottom ? Qt::AlignBottom : Qt::AlignTop) | (right_half ? Qt::AlignRight : Qt::AlignLeft));
  part.label->position->setCoords(x_ + (right_half ? -1 : 1) * r.size() * 0.01, bottom ? 0.97 : 0.03);
  part.label->setVisible(chart->graphCount() > 0 && !text.isEmpty());
  chart->replot(QCustomPlot::rpQueuedReplot);
}

void Crosshair::hide() {
  for (const Part& p : parts_) {
    p.line->setVisible(false);
    p.label->setVisible(false);
    p.chart->replot(QCustomPlot::rpQueuedReplot);
  }
}

bool Crosshair::visible() const {
  for (const Part& p : parts_)
    if (p.line->visible()) return true;
  return false;
}

QString Crosshair::label_text(const Part& part) const {
  QStringList lines;
  lines << QString("step %1").arg(qint64(std::llround(x_)));
  for (int i = 0; i < part.chart->graphCount(); ++i) {
    const QCPGraph* g = part.chart->graph(i);
    double key = 0, value = 0;
    if (!reads(g) || !nearest_point(g, x_, &key, &value)) continue;
    QString line = QString("%1: %2").arg(g->name(), num(value));
    if (std::llround(key) != std::llround(x_)) line += QString("  (step %1)").arg(qint64(key));
    lines << line;
  }
  return lines.size() > 1 ? lines.join("\n") : QString();
}

QVector<CrosshairReading> Crosshair::readings() const {
  QVector<CrosshairReading> out;
  for (const Part& p : parts_)
    for (int i = 0; i < p.chart->graphCount(); ++i) {
      const QCPGraph* g = p.chart->graph(i);
      if (!reads(g)) continue;
      CrosshairReading r;
      r.chart = p.name;
      r.series = g->name();
      if (nearest_point(g, x_, &r.key, &r.value)) out << r;
    }
  return out;
}

QString Crosshair::text() const {
  std::map<QString, QString> short_names;
  for (const Part& p : parts_) short_names[p.name] = p.short_name;
  std::map<QString, QStringList> by_series;
  QStringList order;
  for (const CrosshairReading& r : readings()) {
    if (!by_series.count(r.series)) order << r.series;
    QString v = QString("%1 %2").arg(short_names[r.chart], num(r.value));
    if (std::llround(r.key) != std::llround(x_)) v += QString(" @%1").arg(qint64(r.key));
    by_series[r.series] << v;
  }
  QStringList parts;
  for (const QString& s : order) parts << QString("%1: %2").arg(s, by_series[s].join(", "));
  if (parts.isEmpty()) return QString();
  return QString("step %1 │ %2").arg(qint64(std::llround(x_))).arg(parts.join(" │ "));
}

bool Crosshair::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Leave)
    for (const Part& p : parts_)
      if (watched == p.chart) hide();
  return QObject::eventFilter(watched, event);
}

}  // namespace depthscope::ui
